#!/usr/bin/env bash
# The in-process half of bench/batching.py on a CUDA machine (no web stack needed there), as run once for
# docs/inference.md. Writes JSON files to $OUT. Wheels for transformers may be placed in inference/models/_wheels;
# without them (or if they do not import) only the pure-torch encoder of the same shape is measured.
set -u
OUT="${OUT:-bench/results}"
mkdir -p "$OUT"
python3 --version; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" || exit 1
run() { timeout 110 python3 bench/batching.py --in-process-only --device cuda --duration 3 --concurrency 1,8,32,64 \
  --max-batch 64 --max-wait-ms 2 "$@"; echo "exit $?"; }
run --model-kind torch-encoder --out "$OUT/batching-gpu-encoder-default-shape.json"
mkdir -p /tmp/bert-base && echo '{"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
  "intermediate_size": 3072, "vocab_size": 30522}' > /tmp/bert-base/config.json
run --model-kind torch-encoder --model-dir /tmp/bert-base --out "$OUT/batching-gpu-encoder-bert-base-shape.json"
if ls inference/models/_wheels/*.whl >/dev/null 2>&1; then
  timeout 60 python3 -m pip install -q --no-index --no-deps --target /tmp/site inference/models/_wheels/*.whl 2>&1 | tail -2
  if PYTHONPATH=/tmp/site python3 -c "import transformers" 2>/dev/null; then
    PYTHONPATH=/tmp/site run --model-kind transformers --out "$OUT/batching-gpu-transformers-default.json"
  else
    PYTHONPATH=/tmp/site python3 -c "import transformers" 2>&1 | tail -1
  fi
fi
