#!/usr/bin/env bash
# The test command: builds the solution, starts Azurite (the Blob/Queue/Table emulator the storage
# and Durable Azure Storage tests run against), runs every test project, stops Azurite, and ends
# with one line "N passed, N failed" (Azurite's stop message goes to stderr, so that line stays last on stdout).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"

azurite_started=0
cleanup() {
  if [ "$azurite_started" = 1 ]; then bash "$root/.ci/azurite.sh" stop >&2 || true; fi
}
trap cleanup EXIT

if [ -f "$root/.ci/azurite.sh" ]; then
  if bash "$root/.ci/azurite.sh" start; then
    azurite_started=1
  else
    echo "test.sh: Azurite did not start; the storage tests will fail" >&2
  fi
fi

# The review page's browser test drives Debian's chromium through its executable path (no browser download).
if [ -z "${NUDGE_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "test.sh: installing Debian's chromium for the browser test" >&2
  if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >&2; then
    echo "test.sh: chromium did not install; the review page test will fail" >&2
  fi
fi

build_failed=0
dotnet build Nudge.Functions.sln -c Release -nologo -v q 2>&1 | tail -n 30
if [ "${PIPESTATUS[0]}" != 0 ]; then
  build_failed=1
fi

if [ "$build_failed" = 0 ]; then
  dotnet test Nudge.Functions.sln -c Release --no-build -nologo \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" 2>&1 | tail -n 200
fi

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done
expected_projects=$(grep -c 'Tests\.csproj' Nudge.Functions.sln)
found=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$build_failed" = 1 ]; then
  echo "test.sh: the build failed" >&2
  failed=$((failed + 1))
elif [ "$found" -lt "$expected_projects" ]; then
  # A test host that crashed writes no results; count it rather than hide it.
  echo "test.sh: only $found of $expected_projects test projects reported results" >&2
  failed=$((failed + expected_projects - found))
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
