#!/usr/bin/env bash
# Runs the gateway benchmark (bench/gateway.ts) against the real Firestore emulator and inference
# server, then draws the latency chart. On demand, not part of the tests: `npm run bench:gateway`.
set -uo pipefail
source "$(dirname "$0")/../scripts/lib.sh"

trap 'stop_all' EXIT
trap 'exit 130' INT TERM

take_ports_lock wait
setup_all
start_firestore
t0=$EPOCHREALTIME
start_inference
INFERENCE_READY_S=$(awk "BEGIN { printf \"%.2f\", $EPOCHREALTIME - $t0 }")
export INFERENCE_READY_S
export INFERENCE_SECRET="$INFERENCE_SECRET_VALUE"

log "bench: compiling"
"$ROOT/node_modules/.bin/tsc" -p "$ROOT/bench/tsconfig.json" || die "bench does not compile"
node "$ROOT/bench/.build/bench/gateway.js" || die "gateway benchmark failed"

py="$ROOT/inference/.venv/bin/python"
if ! "$py" -c "import matplotlib" 2>/dev/null; then
  log "bench: installing matplotlib into the inference venv for the chart"
  PIP_RETRIES=0 "$py" -m pip install --quiet matplotlib || die "matplotlib install failed"
fi
"$py" "$ROOT/bench/plot_gateway.py" "$ROOT/bench/results" "$ROOT/docs/gateway-latency.png" || die "chart failed"
