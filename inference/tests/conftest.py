"""Shared fixtures: hermetic settings (no INFERENCE_* from the developer's shell) and two rotation secrets."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings as hypothesis_settings

# Hypothesis would otherwise write a .hypothesis/ folder (example database, unicode cache) into whatever
# directory pytest runs from: keep its cache in the temp dir and keep no example database.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "inference-hypothesis"))
hypothesis_settings.register_profile("inference", database=None, deadline=None)
hypothesis_settings.load_profile("inference")

SECRET_A = "a" * 8 + "-first-secret-0123"
SECRET_B = "b" * 8 + "-second-secret-456"


@pytest.fixture(autouse=True)
def _clean_inference_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith("INFERENCE_"):
            monkeypatch.delenv(key)
    yield


@pytest.fixture
def secret() -> str:
    return SECRET_A


@pytest.fixture
def other_secret() -> str:
    return SECRET_B


@pytest.fixture
def make_settings() -> Callable[..., object]:
    from app.core.settings import Settings

    def factory(**overrides: object) -> Settings:
        values: dict[str, object] = {"secrets": f"{SECRET_A},{SECRET_B}"}
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return factory


def formatted_log(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as the server writes it (JSON lines with all structured fields)."""
    from app.core.logging import JsonFormatter

    formatter = JsonFormatter()
    return "\n".join(formatter.format(record) for record in caplog.records)
