#!/usr/bin/env bash
# Reproduces models/tiny-sd from nothing: checks/installs Debian's PyTorch, synthesizes the toy world,
# trains (embedder, VAE, UNet), exports ONNX (onnx.checker on every model), trains and calibrates the copy
# detector on the exported models, evaluates and writes the model card. Deterministic (fixed seeds). 78 minutes
# on 2 nearly idle cores before the copy detector (measured 2026-11-29); its stage adds about 25-29 minutes
# (measured 2026-12-04). CI never runs this.
#   models/recipe/build.sh                       resume from checkpoints in models/recipe/work/ when present
#   models/recipe/build.sh --clean               start from scratch
#   models/recipe/build.sh --only copy-detector  only the copy detector, from the committed ONNX files
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

packages=(python3-torch python3-onnx python3-numpy python3-pil libopenblas0-pthread)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
fi

# Debian's interpreter: the python3 on PATH may not see Debian's packages.
py=/usr/bin/python3
export THREADS="${THREADS:-$(nproc)}"
export PYTHONUNBUFFERED=1

if [ "${1:-}" = "--only" ]; then
  [ "${2:-}" = "copy-detector" ] || { echo "build.sh: --only takes copy-detector" >&2; exit 2; }
  "$py" copy_detector.py 2>&1 | grep -v -i warning
  exit "${PIPESTATUS[0]}"
fi

if [ "${1:-}" = "--clean" ]; then
  rm -rf work
fi
mkdir -p work

start=$(date +%s)
export BUILD_START=$start
"$py" -c "import schedule; n, worst = schedule.check_against_reference('$here/../../../shared/reference/schedulers/cases/visible.json'); print(f'recipe PNDM vs diffusers: {n} case(s), worst relative error {worst:.2e}')" \
  || echo "(shared scheduler reference not found; skipping the recipe's PNDM self-check)"
"$py" train.py 2>&1 | tee -a work/train.log
"$py" export.py 2>&1 | grep -v -i warning | tee -a work/export.log
"$py" copy_detector.py 2>&1 | grep -v -i warning | tee -a work/copy_detector.log
"$py" evaluate.py 2>&1 | tee -a work/eval.log
echo "build.sh finished in $(( $(date +%s) - start )) s"
