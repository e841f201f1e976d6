"""A deterministic stand-in for the real model, for fast unit tests (no torch import)."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from app.model.base import Model, Prediction


class FakeModel(Model):
    """Labels a text "positive" if it contains "good", else "negative"; the score is derived from a hash.

    `fail_with` makes `forward` raise (an `Exception` tests the 500 path, a `BaseException` kills the batching
    worker); `drop_outputs` makes it return too few outputs; `delay_s` makes each call take that long; `gate`, if
    set, makes each call wait until the event is set (tests hold the worker busy while requests queue up, then
    release it), and `entered` counts calls that have started.
    It records the batches it saw and counts concurrent calls, so tests can check the worker serialises calls.
    """

    def __init__(
        self,
        *,
        fail_with: BaseException | None = None,
        drop_outputs: int = 0,
        delay_s: float = 0.0,
        gate: threading.Event | None = None,
    ) -> None:
        self.name = "fake"
        self.version = "fake-1"
        self.device = "cpu"
        self.fail_with = fail_with
        self.drop_outputs = drop_outputs
        self.delay_s = delay_s
        self.gate = gate
        self.entered = 0
        self.calls: list[list[str]] = []
        self.max_concurrency = 0
        self.closed = False
        self._active = 0
        self._lock = threading.Lock()

    def preprocess(self, texts: list[str]) -> list[str]:
        return list(texts)

    def forward(self, batch: list[str]) -> list[tuple[str, float]]:
        with self._lock:
            self._active += 1
            self.max_concurrency = max(self.max_concurrency, self._active)
        try:
            self.entered += 1
            if self.gate is not None and not self.gate.wait(timeout=30):
                raise TimeoutError("fake model gate never opened")
            self.calls.append(batch)
            if self.delay_s:
                time.sleep(self.delay_s)  # hold the call open so that overlapping calls would be seen
            if self.fail_with is not None:
                raise self.fail_with
            out = []
            for text in batch:
                digest = hashlib.sha256(text.encode()).digest()
                score = 0.5 + digest[0] / 512  # in [0.5, 1.0)
                out.append(("positive" if "good" in text.lower() else "negative", round(score, 6)))
            return out[: len(out) - self.drop_outputs] if self.drop_outputs else out
        finally:
            with self._lock:
                self._active -= 1

    def postprocess(self, outputs: Any) -> list[Prediction]:
        return [Prediction(label=label, score=score) for label, score in outputs]

    def close(self) -> None:
        self.closed = True
