"""End-to-end fixtures: the real default model and the real server, started by scripts/serve.sh as a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest

INFERENCE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_DIR = INFERENCE_ROOT / "models" / "default"
E2E_SECRET = "e2e-secret-" + "0123456789abcdef"
READY_TIMEOUT_S = 90


@dataclass
class Server:
    url: str
    secret: str
    model_dir: Path
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default model if scripts/setup.sh built it, else a fresh build (same script) in a temp dir."""
    if (DEFAULT_MODEL_DIR / "config.json").is_file():
        return DEFAULT_MODEL_DIR
    target = tmp_path_factory.mktemp("model") / "default"
    subprocess.run(
        [sys.executable, str(INFERENCE_ROOT / "scripts" / "build_default_model.py"), "--output", str(target)],
        check=True, timeout=300,
    )
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("server")  # not inference/: serve.sh must work from any directory
    log_path = workdir / "server.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFERENCE_")}
    env.update(
        INFERENCE_SECRETS=f"{E2E_SECRET},second-{E2E_SECRET}",
        INFERENCE_MODEL_DIR=str(model_dir),
        INFERENCE_HOST="127.0.0.1",
        INFERENCE_PORT=str(port),
        INFERENCE_PYTHON=sys.executable,
        INFERENCE_ENV_FILE=os.devnull,
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bash", str(INFERENCE_ROOT / "scripts" / "serve.sh")], cwd=workdir, env=env, stdout=log, stderr=log
        )
    srv = Server(f"http://127.0.0.1:{port}", E2E_SECRET, model_dir, log_path, process)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}:\n{srv.log()}")
            try:
                if httpx.get(f"{srv.url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not ready within {READY_TIMEOUT_S}s:\n{srv.log()}")
            time.sleep(0.1)  # readiness polling only
        yield srv
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client
