"""Helpers shared by the batching tests: polls with a deadline (never a guessed sleep) and a gated fake model."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from app.model.fake import FakeModel

POLL_TIMEOUT_S = 5.0


async def until(condition: Callable[[], bool], what: str) -> None:
    """Returns once `condition()` holds; fails the test after POLL_TIMEOUT_S."""
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.002)


def gated() -> tuple[FakeModel, threading.Event]:
    """A fake model whose forward passes wait on the returned gate (open to start with)."""
    gate = threading.Event()
    gate.set()
    return FakeModel(gate=gate), gate
