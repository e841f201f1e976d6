#!/usr/bin/env bash
# Runs the inference server (uvicorn, app factory) from any working directory.
# Settings come from the environment (INFERENCE_*, see README); inference/.env (or $INFERENCE_ENV_FILE) fills in
# variables that are not already set. Host/port: INFERENCE_HOST (127.0.0.1), INFERENCE_PORT, else $PORT
# (Cloud Run), else 8090. The app writes its own JSON access log (method, path, status, ms), so uvicorn's is off.
# On SIGTERM uvicorn stops accepting, waits up to 10 s for open requests, then the app drains its queue.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_file="${INFERENCE_ENV_FILE:-$root/.env}"

if [[ -f "$env_file" ]]; then
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    key="${line%%=*}"; key="${key#export }"; key="${key//[[:space:]]/}"
    value="${line#*=}"; value="${value%\"}"; value="${value#\"}"; value="${value%\'}"; value="${value#\'}"
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    [[ -z "${!key+set}" ]] && export "$key=$value"
  done < "$env_file"
fi

python="${INFERENCE_PYTHON:-$root/.venv/bin/python}"
if [[ ! -x "$python" ]] && ! command -v "$python" >/dev/null 2>&1; then
  echo "serve: no Python at $python; run $root/scripts/setup.sh first" >&2
  exit 1
fi

exec "$python" -m uvicorn --factory app.main:create_app --app-dir "$root" \
  --host "${INFERENCE_HOST:-127.0.0.1}" --port "${INFERENCE_PORT:-${PORT:-8090}}" \
  --no-server-header --no-access-log --timeout-graceful-shutdown 10 "$@"
