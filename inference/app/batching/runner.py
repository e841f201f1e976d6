"""What the routes need from whatever schedules model calls (BatchingRunner implements it)."""

from __future__ import annotations

from typing import Protocol

from app.model.base import Model, Prediction


class Runner(Protocol):
    """An awaitable `predict` with one prediction per text, in order, plus readiness and liveness flags."""

    model: Model

    @property
    def ready(self) -> bool: ...

    @property
    def alive(self) -> bool: ...

    async def predict(self, texts: list[str], deadline_s: float | None = None) -> list[Prediction]: ...

    def close(self, drain_timeout_s: float = 10.0) -> None: ...
