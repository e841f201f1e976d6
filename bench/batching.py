#!/usr/bin/env python3
"""Benchmark of the inference container's dynamic micro-batching (run on demand, not a test).

    inference/.venv/bin/python bench/batching.py                       # default model, CPU, ~2 minutes
    inference/.venv/bin/python bench/batching.py --model-dir /tmp/bench-model   # a heavier model
    python bench/batching.py --in-process-only --device cuda           # GPU: no web stack needed

Measures, in one run:
  (a) the model's ceiling: in-process `model.predict` throughput at batch sizes 1..64 (and torch threads 1 vs 2);
  (b) the in-process batcher (BatchingRunner, no HTTP) at concurrency 1/8/32, one input per request;
  (c) the real server (scripts/serve.sh, uvicorn) over HTTP on 127.0.0.1 with batching off and on, at
      concurrency 1, 8 and 32, one input per request: requests/s, p50, p95.
Prints a table and writes bench/results/batching.json (or --out). Load only ever targets loopback, and every
load loop is bounded in both request count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INFERENCE = ROOT / "inference"
sys.path.insert(0, str(INFERENCE))

SECRET = "bench-secret-" + "0123456789abcdef0123"
WORDS = (
    "the", "film", "was", "great", "the", "food", "was", "awful", "this", "product", "is", "really", "helpful",
    "our", "trip", "felt", "slow", "the", "app", "is", "broken", "honestly", "the", "service", "was", "wonderful",
    "my", "order", "was", "disappointing", "the", "update", "is", "fast",
)
MAX_REQUESTS_PER_LEVEL = 20_000  # bound on count (time is bounded by --duration)


def texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 24))) for _ in range(n)]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- (a) the model's ceiling ------------------------------------------------------------------------------------

def load(model_dir: Path, device: str, threads: int, kind: str):
    """The real default model (transformers), or, with kind="torch-encoder" (or where transformers cannot be
    imported, as on a bare GPU box), a pure-torch encoder of the same shape read from the model's config.json."""
    if kind == "transformers":
        try:
            from app.model.transformer import TransformerClassifier

            return TransformerClassifier(model_dir, name=model_dir.name, version="bench", device=device,
                                         torch_threads=threads)
        except ImportError as exc:
            print(f"transformers unavailable ({exc}); using the pure-torch encoder of the same shape")
    config = json.loads((model_dir / "config.json").read_text())
    return TorchEncoder(config, device=device, threads=threads)


def _torch_encoder_class():
    import torch
    from app.model.base import Model, Prediction

    class _TorchEncoder(Model):
        """Same shape as the configured BERT (hidden, layers, heads, FFN, vocab), random weights, hashed word ids:
        the compute of the real model without its tokenizer or transformers."""

        def __init__(self, config: dict, *, device: str, threads: int) -> None:
            torch.set_num_threads(threads)
            torch.manual_seed(0)
            self.name, self.version = "torch-encoder", "bench"
            self._device = torch.device(device)
            self.device = self._device.type
            hidden, self.vocab = config["hidden_size"], config["vocab_size"]
            layer = torch.nn.TransformerEncoderLayer(hidden, config["num_attention_heads"],
                                                     config["intermediate_size"], batch_first=True)
            self.embed = torch.nn.Embedding(self.vocab, hidden)
            self.encoder = torch.nn.TransformerEncoder(layer, config["num_hidden_layers"], enable_nested_tensor=False)
            self.head = torch.nn.Linear(hidden, 2)
            self.modules = torch.nn.ModuleList([self.embed, self.encoder, self.head]).to(self._device).eval()
            if self.device == "cuda":
                self.modules.half()

        def preprocess(self, texts):
            ids = [[2] + [hash(w) % (self.vocab - 5) + 5 for w in t.split()][:126] + [3] for t in texts]
            width = max(map(len, ids))
            tokens = torch.zeros(len(ids), width, dtype=torch.long)
            mask = torch.ones(len(ids), width, dtype=torch.bool)
            for i, row in enumerate(ids):
                tokens[i, : len(row)] = torch.tensor(row)
                mask[i, : len(row)] = False
            return tokens.to(self._device, non_blocking=True), mask.to(self._device, non_blocking=True)

        def forward(self, batch):
            tokens, mask = batch
            with torch.inference_mode():
                hidden = self.encoder(self.embed(tokens), src_key_padding_mask=mask)
                return torch.softmax(self.head(hidden[:, 0]).float(), dim=-1).cpu()

        def postprocess(self, outputs):
            scores, indices = outputs.max(dim=-1)
            return [Prediction(label=("negative", "positive")[i], score=float(s))
                    for s, i in zip(scores.tolist(), indices.tolist(), strict=True)]

    return _TorchEncoder


def TorchEncoder(config: dict, *, device: str, threads: int):  # noqa: N802 - a factory standing in for a class
    return _torch_encoder_class()(config, device=device, threads=threads)


def ceiling(model, sizes: list[int], seconds: float) -> dict[int, float]:
    """items/s of model.predict (tokenize + forward + softmax) per batch size, each measured for ~`seconds`."""
    import torch

    pool = texts(4096, seed=1)
    out = {}
    for size in sizes:
        batches = [pool[i:i + size] for i in range(0, len(pool) - size, size)]
        model.predict(batches[0])  # warm this shape
        n, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds and n < 10_000:
            model.predict(batches[n % len(batches)])
            n += 1
        if model.device == "cuda":
            torch.cuda.synchronize()
        out[size] = n * size / (time.perf_counter() - started)
    return out


# -- (b) the batcher in process ---------------------------------------------------------------------------------

async def batcher_load(model, *, batching: bool, concurrency: int, seconds: float, max_batch: int,
                       max_wait_ms: float) -> dict:
    from app.batching import BatchingRunner

    runner = BatchingRunner(model, batching=batching, max_batch_items=max_batch, max_wait_ms=max_wait_ms,
                            max_queue_items=100_000)
    await runner.warm_up()
    pool = texts(2048, seed=2)
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def user(k: int) -> None:
        i = k
        while time.perf_counter() < stop and len(latencies) < MAX_REQUESTS_PER_LEVEL:
            t0 = time.perf_counter()
            await runner.predict([pool[i % len(pool)]])
            latencies.append(time.perf_counter() - t0)
            i += concurrency

    started = time.perf_counter()
    await asyncio.gather(*(user(k) for k in range(concurrency)))
    elapsed = time.perf_counter() - started
    runner.close(close_model=False)  # the next level reuses the loaded model
    return summary(latencies, elapsed, 0)


def summary(latencies: list[float], elapsed: float, errors: int) -> dict:
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(pct(latencies, 0.50) * 1000, 2),
        "p95_ms": round(pct(latencies, 0.95) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else float("nan"),
    }


# -- (c) the server over HTTP -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(model_dir: Path, port: int, env_extra: dict[str, str]) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFERENCE_")}
    env.update(INFERENCE_SECRETS=SECRET, INFERENCE_MODEL_DIR=str(model_dir), INFERENCE_HOST="127.0.0.1",
               INFERENCE_PORT=str(port), INFERENCE_PYTHON=sys.executable, INFERENCE_ENV_FILE=os.devnull,
               INFERENCE_DEVICE="cpu", INFERENCE_MAX_QUEUE_ITEMS="100000", **env_extra)
    proc = subprocess.Popen(["bash", str(INFERENCE / "scripts" / "serve.sh"), "--log-level", "warning"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            pass
        time.sleep(0.2)  # readiness polling only
    proc.kill()
    raise SystemExit("server not ready in 120 s")


async def http_load(port: int, concurrency: int, seconds: float) -> dict:
    """Keep-alive HTTP/1.1 over raw asyncio streams: the cheapest client, so it steals little CPU."""
    host = "127.0.0.1"
    assert host.startswith("127."), "load may only target loopback"
    pool = texts(2048, seed=3)
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    def request(text: str) -> bytes:
        body = json.dumps({"inputs": [text]}).encode()
        head = (f"POST /v1/infer HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"X-Inference-Secret: {SECRET}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        return head + body

    async def user(k: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        i = k
        try:
            while time.perf_counter() < stop and len(latencies) < MAX_REQUESTS_PER_LEVEL:
                t0 = time.perf_counter()
                writer.write(request(pool[i % len(pool)]))
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                if head.startswith(b"HTTP/1.1 200"):
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1
                i += concurrency
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(user(k) for k in range(concurrency)))
    return summary(latencies, time.perf_counter() - started, errors)


# -- main -------------------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=INFERENCE / "models" / "default")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=2, help="torch threads for the server and batcher")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per load level (default 6)")
    parser.add_argument("--max-batch", type=int, default=32)
    parser.add_argument("--max-wait-ms", type=float, default=2.0)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--in-process-only", action="store_true", help="skip the HTTP part (no web stack needed)")
    parser.add_argument("--model-kind", default="transformers", choices=["transformers", "torch-encoder"])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "batching.json")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    model_dir = args.model_dir.resolve()

    import torch

    result: dict = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                    "torch": torch.__version__,
                    "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None},
        "model": {"dir": model_dir.name, "device": args.device, **{
            k: json.loads((model_dir / "config.json").read_text()).get(k)
            for k in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")}},
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "settings": {"threads": args.threads, "max_batch_items": args.max_batch, "max_wait_ms": args.max_wait_ms,
                     "duration_s": args.duration, "inputs_per_request": 1},
    }

    sizes = [1, 2, 4, 8, 16, 32, 64]
    model = load(model_dir, args.device, args.threads, args.model_kind)
    thread_table = {}
    for threads in sorted({1, args.threads}) if args.device == "cpu" else [args.threads]:
        torch.set_num_threads(threads)
        thread_table[threads] = ceiling(model, sizes, seconds=min(2.0, args.duration / 3))
        table = "  ".join(f"b{s}={v:.0f}/s" for s, v in thread_table[threads].items())
        print(f"ceiling, {threads} thread(s): {table}")
    torch.set_num_threads(args.threads)
    per_size = thread_table[args.threads]
    best = max(per_size, key=per_size.get)
    result["ceiling_by_threads"] = {
        str(t): {str(s): round(v, 1) for s, v in tab.items()} for t, tab in thread_table.items()
    }
    result["ceiling_items_per_s"] = round(per_size[best], 1)
    result["ceiling_batch_size"] = best
    result["ceiling_at_max_batch_items_per_s"] = round(per_size.get(args.max_batch, 0), 1)

    result["in_process"] = {}
    for batching in (False, True):
        key = "on" if batching else "off"
        result["in_process"][key] = {}
        for c in levels:
            r = asyncio.run(batcher_load(model, batching=batching, concurrency=c, seconds=args.duration / 2,
                                         max_batch=args.max_batch, max_wait_ms=args.max_wait_ms))
            result["in_process"][key][str(c)] = r
            print(f"in-process batcher {key:3} c={c:<3} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f} ms  "
                  f"p95 {r['p95_ms']:7.2f} ms")
    result["model"]["implementation"] = "transformers" if model.name != "torch-encoder" else "torch-encoder"
    model.close()
    del model

    if not args.in_process_only:
        result["server"] = {}
        for batching in (False, True):
            key = "on" if batching else "off"
            port = free_port()
            proc = start_server(model_dir, port, {
                "INFERENCE_BATCHING": "true" if batching else "false",
                "INFERENCE_MAX_BATCH_ITEMS": str(args.max_batch), "INFERENCE_MAX_WAIT_MS": str(args.max_wait_ms),
                "INFERENCE_TORCH_THREADS": str(args.threads), "INFERENCE_LOG_FORMAT": "json",
            })
            try:
                asyncio.run(http_load(port, 4, 1.0))  # warm the server (connections, allocator)
                result["server"][key] = {}
                for c in levels:
                    r = asyncio.run(http_load(port, c, args.duration))
                    result["server"][key][str(c)] = r
                    print(f"server batching {key:3} c={c:<3} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f} ms  "
                          f"p95 {r['p95_ms']:7.2f} ms  errors {r['errors']}")
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        source = result["server"]
    else:
        source = result["in_process"]

    top = str(max(levels))
    on, off = source["on"][top], source["off"][top]
    result["measured_over"] = "http" if not args.in_process_only else "in_process"
    result["throughput_ratio_c32"] = round(on["rps"] / off["rps"], 3)
    result["ceiling_fraction_c32"] = round(on["rps"] / result["ceiling_items_per_s"], 3)
    result["p95_ratio_c32"] = round(on["p95_ms"] / off["p95_ms"], 3)
    if "1" in source["on"]:
        result["c1_p50_added_ms"] = round(source["on"]["1"]["p50_ms"] - source["off"]["1"]["p50_ms"], 2)
    result["goals"] = {
        "ceiling_fraction_c32 >= 0.85": result["ceiling_fraction_c32"] >= 0.85,
        "throughput_ratio_c32 >= 1.5": result["throughput_ratio_c32"] >= 1.5,
        "p95_ratio_c32 <= 1.0": result["p95_ratio_c32"] <= 1.0,
        "c1_p50_added_ms <= max_wait + 2": result.get("c1_p50_added_ms", 0) <= args.max_wait_ms + 2,
    }

    print()
    print(f"model {model_dir.name} on {args.device}: "
          f"ceiling {result['ceiling_items_per_s']:.0f} items/s at batch {best}")
    print(f"{'':18}{'batching off':>30}{'batching on':>30}")
    print(f"{'concurrency':18}" + f"{'req/s   p50 ms   p95 ms':>30}" * 2)
    for c in levels:
        row = f"{c:<18}"
        for key in ("off", "on"):
            r = source[key][str(c)]
            row += f"{r['rps']:>14.1f}{r['p50_ms']:>8.2f}{r['p95_ms']:>8.2f}"
        print(row)
    for name in ("throughput_ratio_c32", "ceiling_fraction_c32", "p95_ratio_c32", "c1_p50_added_ms"):
        print(f"{name}: {result.get(name)}")
    print("goals:", json.dumps(result["goals"]))

    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
