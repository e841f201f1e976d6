# Shared by scripts/stack.sh and scripts/test.sh: install what is missing, generate local secrets,
# start and stop the local services. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT_ID="${PROJECT_ID:-demo-gatekeeper}"
FIRESTORE_PORT=8080
AUTH_PORT=9099
FUNCTIONS_PORT=5001
INFERENCE_PORT="${INFERENCE_PORT:-8090}"
LOCAL_DIR="$ROOT/.local"
LOG_DIR="$LOCAL_DIR/logs"
FIREBASE="$ROOT/node_modules/.bin/firebase"
PIDS=()

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# --- installs -------------------------------------------------------------------------------

ensure_node_deps() {
  cd "$ROOT" || exit 1
  local stamp="node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ "$stamp" -nt package.json ] \
     && [ "$stamp" -nt functions/package.json ]; then
    log "npm packages: up to date"
  else
    log "npm packages: installing (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed"
  fi
}

build_functions() {
  log "functions: building (tsc)"
  (cd "$ROOT" && npm run --silent build) || die "functions build failed"
}

ensure_python() {
  bash "$ROOT/inference/scripts/setup.sh" || die "inference setup failed"
}

# Debian's chromium, for the browser test of the example extension (never a downloaded browser).
ensure_chromium() {
  command -v chromium >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "chromium: installing Debian's package (for the browser test)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null || die "could not install chromium"
  else
    log "chromium is missing: the browser suite will fail (sudo apt-get install -y chromium)"
  fi
}

setup_all() {
  ensure_node_deps
  build_functions
  ensure_python
  ensure_local_secret
}

# The shared secret for local runs: generated once into ignored files, read by the Functions
# emulator (functions/.secret.local) and by the inference server (inference/.env).
ensure_local_secret() {
  mkdir -p "$LOCAL_DIR" "$LOG_DIR"
  chmod 700 "$LOCAL_DIR"
  if [ ! -s "$LOCAL_DIR/inference-secret" ]; then
    (umask 077; node -e "process.stdout.write(require('crypto').randomBytes(32).toString('hex'))" > "$LOCAL_DIR/inference-secret")
    log "generated a local inference secret in .local/inference-secret"
  fi
  INFERENCE_SECRET_VALUE="$(cat "$LOCAL_DIR/inference-secret")"
  (umask 077
   printf 'INFERENCE_SECRET=%s\n' "$INFERENCE_SECRET_VALUE" > "$ROOT/functions/.secret.local"
   printf 'INFERENCE_SECRETS=%s\n' "$INFERENCE_SECRET_VALUE" > "$ROOT/inference/.env")
  write_emulator_env
}

# functions/.env.local: emulator-only params. The Functions emulator appends the defaults it
# resolves to this file, and it overrides functions/.env.<project>, so it is rewritten before
# each emulator session.
write_emulator_env() {
  printf 'INFERENCE_URL=http://127.0.0.1:%s\n' "$INFERENCE_PORT" > "$ROOT/functions/.env.local"
}

# The stack and the test run use the same ports: one at a time on a machine. The test command
# waits for the lock; the stack refuses to start while a test run holds it.
# The ports are the machine's, so the lock is too (not the checkout's): two clones wait for each other.
PORTS_LOCK="${TMPDIR:-/tmp}/model-gatekeeper-ports.lock"
take_ports_lock() {
  exec 9>"$PORTS_LOCK"
  if [ "${1:-}" = wait ]; then
    flock -n 9 || { log "another test run or stack holds the local ports; waiting"; flock 9; }
  else
    flock -n 9 || die "another test run or stack holds the local ports; stop it first"
  fi
}

# --- processes ------------------------------------------------------------------------------

# start NAME LOGFILE CMD...: runs CMD in its own process group, output to LOGFILE.
start() {
  local name="$1" logfile="$2"; shift 2
  setsid "$@" >"$logfile" 2>&1 < /dev/null 9>&- &
  PIDS+=("$!")
  log "$name: started (pid $!, log ${logfile#"$ROOT/"})"
}

stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null
  done
  PIDS=()
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() {
  port_busy "$1" && die "port $1 ($2) is already in use; is the stack already running? Stop it first."
  return 0
}

# wait_for NAME SECONDS CMD...: polls CMD until it succeeds.
wait_for() {
  local name="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "$name did not become ready within ${seconds}s (see $LOG_DIR)"
    sleep 0.5
  done
  log "$name: ready"
}

find_firestore_jar() {
  if [ -n "${FIRESTORE_EMULATOR_JAR:-}" ]; then echo "$FIRESTORE_EMULATOR_JAR"; return; fi
  local jar
  jar="$(dpkg -L google-cloud-cli-firestore-emulator 2>/dev/null | grep 'cloud-firestore-emulator.*\.jar$' | head -n1)"
  [ -z "$jar" ] && jar="$(ls "$HOME"/.cache/firebase/emulators/cloud-firestore-emulator-*.jar 2>/dev/null | tail -n1)"
  echo "$jar"
}

# The official Firestore emulator. Started from its jar (works on Java 17); when no jar is on the
# machine, firebase-tools starts and downloads its own (needs Java 21 and internet).
FIRESTORE_VIA_FIREBASE=0
start_firestore() {
  export FIRESTORE_EMULATOR_HOST="127.0.0.1:$FIRESTORE_PORT"
  local jar; jar="$(find_firestore_jar)"
  if [ -z "$jar" ]; then
    log "firestore: no emulator jar found; firebase-tools will start its own"
    FIRESTORE_VIA_FIREBASE=1
    return
  fi
  require_free_port "$FIRESTORE_PORT" "Firestore emulator"
  start firestore "$LOG_DIR/firestore.log" java -cp "$jar" com.google.cloud.datastore.emulator.firestore.CloudFirestore \
    --host 127.0.0.1 --port "$FIRESTORE_PORT" --project_id "$PROJECT_ID" --rules "$ROOT/firestore.rules"
  wait_for firestore 60 curl -fsS "http://$FIRESTORE_EMULATOR_HOST/"
}

start_inference() {
  require_free_port "$INFERENCE_PORT" "inference server"
  export INFERENCE_URL="http://127.0.0.1:$INFERENCE_PORT"
  start inference "$LOG_DIR/inference.log" env INFERENCE_PORT="$INFERENCE_PORT" INFERENCE_SECRETS="$INFERENCE_SECRET_VALUE" \
    bash "$ROOT/inference/scripts/serve.sh"
  wait_for inference 180 curl -fsS "$INFERENCE_URL/readyz"
}

# The emulators firebase-tools runs: Auth and Functions, plus Firestore when no jar was found.
firebase_only() {
  if [ "$FIRESTORE_VIA_FIREBASE" = 1 ]; then echo "auth,functions,firestore"; else echo "auth,functions"; fi
}

export_emulator_env() {
  export GCLOUD_PROJECT="$PROJECT_ID"
  export FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:$AUTH_PORT"
  export FIRESTORE_EMULATOR_HOST="127.0.0.1:$FIRESTORE_PORT"
  export FUNCTIONS_EMULATOR_ORIGIN="http://127.0.0.1:$FUNCTIONS_PORT"
}
