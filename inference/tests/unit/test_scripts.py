"""scripts/serve.sh: the command it runs and how it merges inference/.env with the environment (Python stubbed)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from app.core.settings import INFERENCE_ROOT, SettingsError, load_settings

SERVE = INFERENCE_ROOT / "scripts" / "serve.sh"


@pytest.fixture
def stub_python(tmp_path: Path) -> Path:
    """Stands in for the venv's python: prints its arguments and the INFERENCE_* environment it got."""
    stub = tmp_path / "python"
    stub.write_text('#!/bin/sh\necho "ARGS $*"\nenv | grep -E "^(INFERENCE_|OTHER_)" | sort\n')
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    return stub


def run_serve(stub: Path, env_file: Path, cwd: Path, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("INFERENCE_") and k != "PORT"}
    base.update(INFERENCE_PYTHON=str(stub), INFERENCE_ENV_FILE=str(env_file), **env)
    return subprocess.run(["bash", str(SERVE)], cwd=cwd, env=base, capture_output=True, text=True, check=True).stdout


def test_runs_the_app_factory_from_any_directory(stub_python: Path, tmp_path: Path) -> None:
    out = run_serve(stub_python, tmp_path / "absent.env", cwd=tmp_path)
    assert f"-m uvicorn --factory app.main:create_app --app-dir {INFERENCE_ROOT} --host 127.0.0.1 --port 8090" in out


def test_port_precedence(stub_python: Path, tmp_path: Path) -> None:
    assert "--port 9000" in run_serve(stub_python, tmp_path / "x", cwd=tmp_path, PORT="9000")
    assert "--port 9001" in run_serve(stub_python, tmp_path / "x", cwd=tmp_path, PORT="9000", INFERENCE_PORT="9001")


def test_env_file_fills_only_unset_variables(stub_python: Path, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\n\nINFERENCE_SECRETS='from-file-0123456789'\nexport INFERENCE_DEVICE=\"cpu\"\n"
        "INFERENCE_MAX_INPUTS=3\nnot a valid line\nOTHER_VALUE=a=b"
    )
    out = run_serve(stub_python, env_file, cwd=tmp_path, INFERENCE_MAX_INPUTS="7")
    assert "INFERENCE_SECRETS=from-file-0123456789" in out.splitlines()
    assert "INFERENCE_DEVICE=cpu" in out.splitlines()
    assert "INFERENCE_MAX_INPUTS=7" in out.splitlines()  # the environment wins over the file
    assert "OTHER_VALUE=a=b" in out.splitlines()  # last line without a newline is still read


def test_env_example_placeholder_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = (INFERENCE_ROOT / ".env.example").read_text().splitlines()
    value = next(line.split("=", 1)[1] for line in lines if line.startswith("INFERENCE_SECRETS="))
    monkeypatch.setenv("INFERENCE_SECRETS", value)
    with pytest.raises(SettingsError, match="placeholder"):
        load_settings()


def test_relative_model_dir_is_relative_to_inference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFERENCE_SECRETS", "0123456789abcdef")
    monkeypatch.setenv("INFERENCE_MODEL_DIR", "models/other")
    assert load_settings().model_dir == INFERENCE_ROOT / "models" / "other"
