#!/usr/bin/env bash
# Installs the benchmark peers from Debian packages, idempotently: NumPy, FAISS, PyTorch, ONNX (the PyTorch peer reads
# its weights from the committed ONNX files), Pillow, threadpoolctl and
# OpenBLAS's pthread build, which it makes the system BLAS/LAPACK (Debian's python3-faiss otherwise pulls only the
# reference BLAS, which makes FAISS's batch path ~40x slower and a comparison against it meaningless).
# Run as root (or with sudo). Then: dotnet build -c Release && nudge bench all --quick --out DIR
set -euo pipefail
packages=(python3-numpy python3-faiss python3-torch python3-onnx python3-pil python3-threadpoolctl libopenblas0-pthread)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench-setup: installing ${missing[*]}" >&2
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  echo "bench-setup: every peer package is installed" >&2
fi

arch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)"
for lib in libblas.so.3 liblapack.so.3; do
  target="/usr/lib/$arch/openblas-pthread/$lib"
  if [ -e "$target" ]; then
    update-alternatives --set "$lib-$arch" "$target" >/dev/null
  fi
done

# What the peers will load, as they will load it.
/usr/bin/python3 - <<'PY'
import faiss, numpy, torch
from threadpoolctl import threadpool_info
blas = sorted({(i.get("internal_api"), i.get("filepath")) for i in threadpool_info() if i.get("user_api") == "blas"})
print(f"faiss {faiss.__version__}, numpy {numpy.__version__}, torch {torch.__version__}")
print("BLAS loaded:", "; ".join(f"{api} {path}" for api, path in blas) or "none reported")
PY
