#!/usr/bin/env bash
# Runs the whole local stack: the Firestore emulator, the Auth and Functions emulators and the
# inference server, with the default plans and a demo user seeded. Installs what is missing first.
# Ctrl-C stops everything.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

trap 'echo; log "stopping"; stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

take_ports_lock
setup_all
export_emulator_env
for port in "$AUTH_PORT" "$FUNCTIONS_PORT" 4400 4500; do require_free_port "$port" "Firebase emulators"; done
start_firestore
start_inference
write_emulator_env
start "auth+functions emulators" "$LOG_DIR/firebase.log" \
  "$FIREBASE" emulators:start --only "$(firebase_only)" --project "$PROJECT_ID"

functions_ready() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{"data":{}}' \
    "$FUNCTIONS_EMULATOR_ORIGIN/$PROJECT_ID/us-central1/infer")"
  [ "$code" = 401 ]
}
wait_for "functions (infer)" 180 functions_ready

log "seeding plans and the demo user"
node "$ROOT/functions/lib/admin/seed.js" || die "seeding failed"

cat <<EOF_INFO

  The stack is up (project $PROJECT_ID). Ctrl-C stops it.

    callable infer     $FUNCTIONS_EMULATOR_ORIGIN/$PROJECT_ID/us-central1/infer
    Auth emulator      http://$FIREBASE_AUTH_EMULATOR_HOST
    Firestore emulator http://$FIRESTORE_EMULATOR_HOST   (rules: firestore.rules)
    inference server   $INFERENCE_URL   (needs the X-Inference-Secret header; /healthz and /readyz are open)
    demo user          demo@example.com / demo-password   (plan "demo": 5 calls a day)
    logs               .local/logs/

  In another terminal:  npm run demo     (signs in with the web SDK and calls infer until the quota runs out)

EOF_INFO

# Runs until Ctrl-C, or until one of the services exits on its own.
wait -n
die "a service stopped unexpectedly; see .local/logs/"
