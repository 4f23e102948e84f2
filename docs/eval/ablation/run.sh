#!/usr/bin/env bash
# The escape ablation (docs/eval/ablation/README.md): one `nudge eval` per policy in policies.json, then the table.
# About 3.5 minutes a policy on 2 cores. Usage: bash docs/eval/ablation/run.sh [NAME...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
dotnet build src/Nudge.Cli -c Release -nologo -v q >/dev/null
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  mapfile -t names < <(/usr/bin/python3 -c "import json,sys; print('\n'.join(k for k in json.load(open('$here/policies.json')) if not k.startswith('_')))")
fi
for name in "${names[@]}"; do
  out="$here/runs/$name"
  mkdir -p "$out"
  /usr/bin/python3 -c "import json; json.dump(json.load(open('$here/policies.json'))['$name'], open('$out/policy.json', 'w'), indent=2)"
  echo "ablation: $name" >&2
  dotnet src/Nudge.Cli/bin/Release/net10.0/nudge.dll eval --seeds 8 --guidance 3 --methods nudge --no-figures --policy "$out/policy.json" --out "$out" >/dev/null
done
/usr/bin/python3 "$here/table.py" > "$here/README.md"
