"""Unit fixtures: the real app with the fake model, driven in-process by the test client (no torch, no network)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.model.fake import FakeModel


@pytest.fixture
def fake_model() -> FakeModel:
    return FakeModel()


@pytest.fixture
def open_client(make_settings: Callable[..., object]) -> Callable[..., object]:
    """`with open_client(model=..., **settings) as client:` runs the lifespan (load, warm-up, close)."""

    @contextmanager
    def factory(model: FakeModel | None = None, **overrides: object) -> Iterator[TestClient]:
        app = create_app(make_settings(**overrides), model=model or FakeModel())
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client

    return factory


@pytest.fixture
def client(open_client: Callable[..., object], fake_model: FakeModel) -> Iterator[TestClient]:
    with open_client(model=fake_model) as c:  # type: ignore[operator]
        yield c


@pytest.fixture
def auth(secret: str) -> dict[str, str]:
    return {"X-Inference-Secret": secret}
