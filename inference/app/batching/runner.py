"""Runs model calls off the event loop, one at a time, and turns any model failure into `InferenceFailed`."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from app.core.errors import InferenceFailed, ModelNotReady
from app.model.base import Model, Prediction

logger = logging.getLogger("inference.runner")


class Runner(Protocol):
    """What the routes need: an awaitable `predict` with one prediction per text, in order, and a readiness flag."""

    model: Model

    @property
    def ready(self) -> bool: ...

    async def predict(self, texts: list[str]) -> list[Prediction]: ...

    def close(self) -> None: ...


class SerialRunner:
    """One dedicated worker thread runs every model call, so concurrent requests queue instead of running several
    torch calls at once (which oversubscribes the cores: each call has its own intra-op threads).

    A micro-batcher will keep this interface and replace the body of `predict` with a bounded queue that merges
    waiting requests into one `model.predict` call.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._closed = False

    @property
    def ready(self) -> bool:
        return not self._closed

    def warm_up(self) -> None:
        """One real call before the server reports ready (first calls pay for lazy init and allocator warm-up)."""
        started = time.monotonic()
        outputs = self._executor.submit(self.model.predict, ["warm-up"]).result()
        if len(outputs) != 1:
            raise RuntimeError(f"model returned {len(outputs)} predictions for 1 input during warm-up")
        logger.info("model warmed up in %.0f ms", (time.monotonic() - started) * 1000)

    async def predict(self, texts: list[str]) -> list[Prediction]:
        if self._closed:
            raise ModelNotReady()
        try:
            outputs = await asyncio.wrap_future(self._executor.submit(self.model.predict, texts))
        except Exception as exc:
            # Never log the exception message: it may quote the inputs. Type and frames locate the bug.
            logger.error(
                "model call failed: %s (batch of %d)\n%s",
                type(exc).__name__, len(texts), "".join(traceback.format_tb(exc.__traceback__)),
            )
            raise InferenceFailed() from None
        if len(outputs) != len(texts):
            logger.error("model returned %d predictions for %d inputs", len(outputs), len(texts))
            raise InferenceFailed()
        return outputs

    def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.model.close()
