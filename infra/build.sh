#!/usr/bin/env bash
# Compiles and lints every .bicep file under infra/ with the Bicep CLI restored from NuGet
# (Azure.Bicep.CommandLine.linux-x64, pinned in infra/tools/BicepCli.csproj), and fails on
# any warning or error. Works from a clean clone: needs only the .NET SDK and NuGet.
#
# Usage: bash infra/build.sh [--outdir DIR]
#   --outdir DIR  where the ARM JSON goes (default: out/infra at the repo root); the layout
#                 under infra/ is kept (DIR/main.json, DIR/modules/*.json).
# Prints the path of the bicep binary it used as "bicep: PATH" and the compiled main
# template as "main: PATH".
set -euo pipefail

infra_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$infra_dir/.." && pwd)"
out_dir="$repo_root/out/infra"

while [ $# -gt 0 ]; do
  case "$1" in
    --outdir)
      out_dir="$2"
      shift 2
      ;;
    --outdir=*)
      out_dir="${1#--outdir=}"
      shift
      ;;
    -h|--help)
      sed -n '2,11p' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "build.sh: unknown argument '$1'" >&2
      exit 2
      ;;
  esac
done

export DOTNET_NOLOGO=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1

tools_project="$infra_dir/tools/BicepCli.csproj"
package_id="Azure.Bicep.CommandLine.linux-x64"
package_dir_name="$(echo "$package_id" | tr '[:upper:]' '[:lower:]')"
bicep_version="$(sed -n 's/.*Include="Azure\.Bicep\.CommandLine\.linux-x64" Version="\[\([0-9.]*\)\]".*/\1/p' "$tools_project")"
if [ -z "$bicep_version" ]; then
  echo "build.sh: cannot read the Bicep CLI version from $tools_project" >&2
  exit 1
fi

# 1. Restore the Bicep CLI package (a PackageDownload: nothing is built).
dotnet restore "$tools_project" --verbosity quiet

# 2. Find the package folder NuGet restored into.
package_root="$(dotnet msbuild "$tools_project" -nologo -getProperty:NuGetPackageRoot 2>/dev/null | tr -d '\r' | tail -n 1 || true)"
if [ -z "$package_root" ] || [ ! -d "$package_root" ]; then
  package_root="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p' | tr -d '\r')"
fi
package_dir="${package_root%/}/$package_dir_name/$bicep_version"
if [ ! -d "$package_dir" ]; then
  echo "build.sh: $package_id $bicep_version was not restored to $package_dir" >&2
  exit 1
fi

bicep=""
for candidate in "$package_dir/tools/bicep" "$package_dir/runtimes/linux-x64/native/bicep" "$package_dir/runtimes/linux-x64/bicep"; do
  if [ -f "$candidate" ]; then
    bicep="$candidate"
    break
  fi
done
if [ -z "$bicep" ]; then
  bicep="$(find "$package_dir" -type f -name bicep | head -n 1)"
fi
if [ -z "$bicep" ]; then
  echo "build.sh: no bicep binary inside $package_dir" >&2
  exit 1
fi
chmod +x "$bicep"
echo "bicep: $bicep"
"$bicep" --version

# 3. Build and lint every .bicep file; any diagnostic at warning level or above fails.
mkdir -p "$out_dir"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0

run_bicep() {
  # $1: label; rest: bicep arguments. Output goes to the terminal and to $log.
  local label="$1"
  shift
  local rc=0
  (cd "$repo_root" && "$bicep" "$@") >"$log.part" 2>&1 || rc=$?
  cat "$log.part"
  cat "$log.part" >>"$log"
  rm -f "$log.part"
  if [ "$rc" -ne 0 ]; then
    echo "build.sh: bicep $label exited with $rc" >&2
    status=1
  fi
}

bicep_files="$(cd "$repo_root" && find infra -name '*.bicep' -not -path '*/obj/*' -not -path '*/bin/*' | sort)"
if [ -z "$bicep_files" ]; then
  echo "build.sh: no .bicep files under infra/" >&2
  exit 1
fi
echo "compiling:"
echo "$bicep_files" | sed 's/^/  /'

run_bicep build build --pattern 'infra/**/*.bicep' --outdir "$out_dir"
run_bicep lint lint --pattern 'infra/**/*.bicep'

if grep -Eq ' : (Warning|Error) ' "$log"; then
  echo "build.sh: FAILED: the Bicep compiler or linter reported diagnostics (warnings count as failures)." >&2
  status=1
fi

# Every .bicep file must have produced its ARM template.
while IFS= read -r file; do
  rel="${file#infra/}"
  json="$out_dir/${rel%.bicep}.json"
  if [ ! -s "$json" ]; then
    echo "build.sh: missing compiled template $json" >&2
    status=1
  fi
done <<<"$bicep_files"

if [ "$status" -ne 0 ]; then
  exit "$status"
fi
echo "main: $out_dir/main.json"
echo "build.sh: OK, $(echo "$bicep_files" | wc -l | tr -d ' ') Bicep files compiled and linted with no warnings."
