#!/usr/bin/env bash
# Starts or stops a local Azurite (Azure Storage emulator) for the storage and indexing tests.
#
#   .ci/azurite.sh start [DATA_DIR]   install into .tools/azurite if missing, start in the background,
#                                     wait until the blob endpoint (port 10000) accepts connections
#   .ci/azurite.sh stop               stop the instance started by `start` (PID in .tools/azurite.pid)
#
# Environment: AZURITE_VERSION (default 3.37.0), AZURITE_START_TIMEOUT seconds (default 60).
# The tests read NUDGE_TEST_BLOB_CONNECTION, which defaults to UseDevelopmentStorage=true (this instance).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.tools"
install_dir="$tools_dir/azurite"
pid_file="$tools_dir/azurite.pid"
log_file="$tools_dir/azurite.log"
version="${AZURITE_VERSION:-3.37.0}"
timeout_s="${AZURITE_START_TIMEOUT:-60}"
blob_port=10000

fail() {
  echo "azurite.sh: $*" >&2
  exit 1
}

port_open() {
  # bash's /dev/tcp needs no extra tools (nc, curl) on the CI image.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
  local data_dir="${1:-$tools_dir/azurite-data}"
  if pid="$(running_pid)"; then
    echo "azurite.sh: already running (PID $pid)"
    return 0
  fi
  if port_open "$blob_port"; then
    fail "port $blob_port is already in use by another process; stop it or point NUDGE_TEST_BLOB_CONNECTION elsewhere"
  fi

  local bin="$install_dir/node_modules/.bin/azurite"
  mkdir -p "$tools_dir"
  if [[ ! -x "$bin" ]]; then
    command -v npm >/dev/null || fail "npm is required to install Azurite"
    echo "azurite.sh: installing azurite@$version into $install_dir"
    npm install --no-audit --no-fund --prefix "$install_dir" "azurite@$version" >"$tools_dir/azurite-install.log" 2>&1 ||
      fail "npm install azurite@$version failed; see $tools_dir/azurite-install.log"
  fi

  mkdir -p "$data_dir"
  "$bin" --silent --skipApiVersionCheck --loose --disableTelemetry --location "$data_dir" \
    --blobHost 127.0.0.1 --blobPort "$blob_port" --queuePort 10001 --tablePort 10002 >"$log_file" 2>&1 &
  local pid=$!
  echo "$pid" >"$pid_file"

  local waited=0
  until port_open "$blob_port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pid_file"
      fail "Azurite exited during startup; log: $log_file"$'\n'"$(tail -n 20 "$log_file" 2>/dev/null)"
    fi
    if ((waited >= timeout_s * 10)); then
      kill "$pid" 2>/dev/null || true
      rm -f "$pid_file"
      fail "Azurite did not accept connections on 127.0.0.1:$blob_port within ${timeout_s}s; log: $log_file"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "azurite.sh: started (PID $pid, data $data_dir, blob endpoint http://127.0.0.1:$blob_port/devstoreaccount1)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pid_file"
    echo "azurite.sh: not running"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  echo "azurite.sh: stopped (PID $pid)"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  *) fail "usage: $0 start [DATA_DIR] | stop" ;;
esac
