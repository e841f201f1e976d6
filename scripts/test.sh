#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, starts the services the tests need (the
# Firestore emulator, the inference server, then the Auth and Functions emulators around the
# end-to-end suite), runs each suite, prints a summary and exits non-zero if anything failed.
# The local stack (npm start) uses the same ports: stop it first.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

trap 'stop_all' EXIT
trap 'exit 130' INT TERM

take_ports_lock wait
ensure_chromium
setup_all
export_emulator_env
for port in "$AUTH_PORT" "$FUNCTIONS_PORT" 4400 4500; do require_free_port "$port" "Firebase emulators"; done
start_firestore
start_inference

RESULTS="$LOCAL_DIR/results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
JEST="$ROOT/node_modules/.bin/jest"
FAILED=()

suite() {
  local name="$1"; shift
  log "tests: $name"
  if ! "$@"; then FAILED+=("$name"); fi
}

jest_project() {
  local project="$1"; shift
  (cd "$ROOT/functions" && "$JEST" --selectProjects "$project" --json --outputFile="$RESULTS/jest-$project.json" "$@")
}

suite "gateway unit (jest)" jest_project unit
suite "gateway on the Firestore emulator (jest)" jest_project emulator --silent
write_emulator_env
suite "end to end: web SDK -> Auth + Functions emulators -> inference server (jest)" \
  env E2E_INFERENCE_SECRET="$INFERENCE_SECRET_VALUE" \
  "$FIREBASE" emulators:exec --only "$(firebase_only)" --project "$PROJECT_ID" \
  "cd '$ROOT/functions' && '$JEST' --selectProjects e2e --json --outputFile='$RESULTS/jest-e2e.json'"
suite "client unit (jest)" bash -c "cd '$ROOT/client' && '$JEST' --json --outputFile='$RESULTS/jest-client.json'"
suite "example extension unit (jest)" bash -c "cd '$ROOT/examples/extension' && '$JEST' --selectProjects unit --json --outputFile='$RESULTS/jest-extension-unit.json'"
write_emulator_env
suite "browser: example extension in chromium -> Auth + Functions emulators -> inference server (jest)" \
  "$FIREBASE" emulators:exec --only "$(firebase_only)" --project "$PROJECT_ID" \
  "cd '$ROOT/examples/extension' && '$JEST' --selectProjects e2e --json --outputFile='$RESULTS/jest-extension-e2e.json'"
write_emulator_env
suite "App Check enforced: the same callables with ENFORCE_APP_CHECK=true (jest)" \
  env EXPECT_APP_CHECK=true GCLOUD_PROJECT="$PROJECT_ID-appcheck" \
  "$FIREBASE" emulators:exec --only "$(firebase_only)" --project "$PROJECT_ID-appcheck" \
  "cd '$ROOT/functions' && '$JEST' --selectProjects e2e --json --outputFile='$RESULTS/jest-e2e-appcheck.json' test/e2e/appcheck"
suite "cost calculator (jest)" bash -c "cd '$ROOT/cost' && '$JEST' --json --outputFile='$RESULTS/jest-cost.json'"
suite "inference server (pytest)" \
  "$ROOT/inference/.venv/bin/python" -m pytest "$ROOT/inference/tests" -q -c "$ROOT/inference/pytest.ini" \
  --junitxml="$RESULTS/pytest.xml"

node "$ROOT/scripts/summarize.mjs" "$RESULTS" || FAILED+=("summary")
if [ "${#FAILED[@]}" -gt 0 ]; then
  printf '\033[1;31mFAILED:\033[0m %s\n' "${FAILED[@]}"
  exit 1
fi
log "all tests passed"
