#!/usr/bin/env bash
# Prepares inference/ for running and testing: venv, pinned requirements, default model. Safe to run again:
# each step is skipped when its result is already there (requirements are reinstalled only when they change).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"

say() { printf 'setup: %s\n' "$*"; }

if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  say "creating $venv with $("$python" --version 2>&1)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi

# The stamp covers both requirement files and the venv's Python version.
stamp="$venv/.requirements.sha256"
want="$( { cat "$root/requirements.txt" "$root/requirements-dev.txt"; "$venv/bin/python" --version; } | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  say "installing requirements (torch is large: about a minute)"
  # PIP_RETRIES=0: a dead index in pip's configuration otherwise stalls each lookup for minutes.
  # Its output (including harmless warnings about index folders) goes to a log, shown only if it fails.
  log="$venv/pip-install.log"
  if ! PIP_RETRIES="${PIP_RETRIES:-0}" PIP_DISABLE_PIP_VERSION_CHECK=1 \
      "$venv/bin/python" -m pip install -r "$root/requirements.txt" -r "$root/requirements-dev.txt" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    say "pip install failed (full log: $log)"
    exit 1
  fi
  echo "$want" > "$stamp"
else
  say "requirements up to date"
fi

"$venv/bin/python" "$root/scripts/build_default_model.py"
say "done. Serve: $root/scripts/serve.sh   Test: $venv/bin/python -m pytest $root/tests -q"
