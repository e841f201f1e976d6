"""Dynamic micro-batching: concurrent requests are merged into one model call on a single worker thread.

Why one thread: on a small CPU, several torch calls at once (each with its own intra-op threads) oversubscribe
the cores and throughput collapses; on a GPU, one bigger batch is far cheaper than several small ones. So every
model call runs on one dedicated thread, and requests that arrive while it is busy are merged into the next call.

The rules (see docs/inference.md):
- A batch is a list of requests whose inputs are concatenated for one `model.predict` call and split back by
  each request's length, so every request gets exactly its own outputs, in order. A request is never split:
  a batch takes whole requests, first come first served, up to `max_batch_items` inputs (a single request with
  more inputs than that runs alone).
- The worker waits for more requests at most `max_wait_ms`, counted from the oldest request's arrival: a
  request that already waited (the worker was busy) is not held back any longer.
- The queue is bounded in inputs; a request that does not fit is refused at once (`QueueFull`: 503 +
  Retry-After). A request whose deadline passed while queued is dropped without running the model
  (`DeadlineExceeded`); so is one whose caller went away (its future was cancelled).
- A batch that fails (the model raised, or returned the wrong number of outputs) fails every request in it with
  `InferenceFailed`; the worker carries on with the next batch.
- If the worker thread itself dies, every queued request fails at once with `ModelNotReady`, new requests are
  refused, and `ready`/`alive` turn false (the /readyz and /healthz probes report it).
- `close()` stops accepting, lets the worker finish what is queued (up to a timeout), then closes the model.

Time comes from an injectable monotonic clock; the worker never sleeps, it waits on a condition variable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from app.core.errors import DeadlineExceeded, InferenceError, InferenceFailed, ModelNotReady, QueueFull
from app.model.base import Model, Prediction

logger = logging.getLogger("inference.batcher")


class BatchObserver(Protocol):
    """What the batcher reports (app/core/metrics.py implements it with Prometheus; `None` reports nothing)."""

    def batch_done(self, items: int, requests: int, seconds: float, ok: bool) -> None: ...

    def queue_wait(self, seconds: float) -> None: ...

    def rejected(self, reason: str) -> None: ...


@dataclass(eq=False)
class _Job:
    texts: list[str]
    future: asyncio.Future[list[Prediction]]
    loop: asyncio.AbstractEventLoop
    enqueued: float
    deadline: float
    urgent: bool = field(default=False)  # the warm-up: runs at once, without waiting for company

    def settle(self, result: list[Prediction] | None = None, error: BaseException | None = None) -> None:
        """Resolve the caller's future from any thread (a caller that went away is simply skipped)."""

        def apply() -> None:
            if self.future.done():
                return
            if error is not None:
                self.future.set_exception(error)
            else:
                self.future.set_result(result or [])

        with contextlib.suppress(RuntimeError):  # the event loop is closed: nobody is waiting any more
            self.loop.call_soon_threadsafe(apply)


class BatchingRunner:
    """Queue + one worker thread. `await predict(texts)` from the event loop; see the module doc for the rules."""

    def __init__(
        self,
        model: Model,
        *,
        batching: bool = True,
        max_batch_items: int = 32,
        max_wait_ms: float = 2.0,
        max_queue_items: int = 512,
        max_queue_ms: float = 10_000,
        retry_after_s: int = 1,
        observer: BatchObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_batch_items < 1 or max_queue_items < 1:
            raise ValueError("max_batch_items and max_queue_items must be at least 1")
        self.model = model
        self.batching = batching
        self.max_batch_items = max_batch_items
        self.max_wait_s = max_wait_ms / 1000
        self.max_queue_items = max_queue_items
        self.max_queue_s = max_queue_ms / 1000
        self.retry_after_s = retry_after_s
        self._observer = observer
        self._clock = clock
        self._cond = threading.Condition()
        self._queue: deque[_Job] = deque()
        self._queued_items = 0
        self._in_flight = 0
        self._closing = False
        self._dead = False
        self._warm = False
        self._thread = threading.Thread(target=self._run, name="model-worker", daemon=True)
        self._thread.start()

    # -- state -------------------------------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        """The worker thread runs (or shut down cleanly); false once it has died."""
        return not self._dead and (self._thread.is_alive() or self._closing)

    @property
    def ready(self) -> bool:
        """Warmed up, accepting requests, worker alive."""
        return self._warm and not self._closing and not self._dead and self._thread.is_alive()

    @property
    def queued_items(self) -> int:
        return self._queued_items

    @property
    def in_flight_items(self) -> int:
        return self._in_flight

    def wake(self) -> None:
        """Make the worker re-check its timers now (tests that drive an injected clock call it)."""
        with self._cond:
            self._cond.notify_all()

    # -- the event-loop side -----------------------------------------------------------------------------------

    async def warm_up(self) -> None:
        """One real batch through the worker before the server reports ready (lazy init, allocator warm-up)."""
        started = time.monotonic()
        try:
            outputs = await self._submit(["warm-up"], None, warming=True)
        except InferenceError as exc:
            raise RuntimeError("the model failed during warm-up (see the log above)") from exc
        if len(outputs) != 1:
            raise RuntimeError(f"model returned {len(outputs)} predictions for 1 input during warm-up")
        self._warm = True
        logger.info("model warmed up", extra={"ms": round((time.monotonic() - started) * 1000, 1)})

    async def predict(self, texts: list[str], deadline_s: float | None = None) -> list[Prediction]:
        """One prediction per text, in order. `deadline_s`: seconds from now after which the request, if still
        queued, is dropped (the server-side `max_queue_ms` applies too, whichever is sooner)."""
        if not self.ready:
            raise ModelNotReady()
        return await self._submit(texts, deadline_s, warming=False)

    async def _submit(self, texts: list[str], deadline_s: float | None, *, warming: bool) -> list[Prediction]:
        loop = asyncio.get_running_loop()
        now = self._clock()
        limit = self.max_queue_s if deadline_s is None else min(self.max_queue_s, max(0.0, deadline_s))
        job = _Job(list(texts), loop.create_future(), loop, now, now + limit, urgent=warming)
        with self._cond:
            if self._dead or (self._closing and not warming):
                raise ModelNotReady()
            if self._queued_items + len(texts) > self.max_queue_items:
                self._report("rejected", "queue_full")
                raise QueueFull(self.retry_after_s)
            self._queue.append(job)
            self._queued_items += len(texts)
            self._cond.notify()
        return await job.future  # cancellation (client gone) leaves the future cancelled: the worker skips it

    # -- the worker thread -------------------------------------------------------------------------------------

    def _run(self) -> None:
        batch: list[_Job] = []
        try:
            while True:
                batch = self._next_batch() or []
                if not batch:
                    return
                self._execute(batch)
                batch = []
        except BaseException as exc:  # the worker itself broke (not the model: _execute catches that)
            self._dead = True
            logger.critical(
                "batching worker died; failing queued requests",
                extra={"error": type(exc).__name__, "trace": "".join(traceback.format_tb(exc.__traceback__))},
            )
        finally:
            with self._cond:
                pending = batch + list(self._queue)
                self._queue.clear()
                self._queued_items = 0
                self._in_flight = 0
                if not self._closing:
                    self._dead = True
            for job in pending:
                job.settle(error=ModelNotReady())

    def _next_batch(self) -> list[_Job] | None:
        """Block until a batch is due: full, or the oldest request has waited `max_wait`; None = shut down."""
        with self._cond:
            while True:
                self._drop_stale()
                if not self._queue:
                    if self._closing:
                        return None
                    self._cond.wait()
                    continue
                if not self.batching:
                    return self._take(single=True)
                if self._queued_items >= self.max_batch_items or self._closing or self._queue[0].urgent:
                    return self._take(single=False)
                due = self._queue[0].enqueued + self.max_wait_s
                remaining = due - self._clock()
                if remaining <= 0:
                    return self._take(single=False)
                self._cond.wait(timeout=remaining)

    def _drop_stale(self) -> None:
        """Remove requests whose caller went away or whose deadline passed (must hold the lock)."""
        if not self._queue:
            return
        now = self._clock()
        kept: deque[_Job] = deque()
        for job in self._queue:
            if job.future.cancelled():
                self._queued_items -= len(job.texts)
                self._report("rejected", "cancelled")
            elif now >= job.deadline:
                self._queued_items -= len(job.texts)
                self._report("rejected", "deadline")
                job.settle(error=DeadlineExceeded(self.retry_after_s))
            else:
                kept.append(job)
        self._queue = kept

    def _take(self, *, single: bool) -> list[_Job]:
        batch = [self._queue.popleft()]
        items = len(batch[0].texts)
        while not single and self._queue and items + len(self._queue[0].texts) <= self.max_batch_items:
            job = self._queue.popleft()
            batch.append(job)
            items += len(job.texts)
        self._queued_items -= items
        self._in_flight = items
        return batch

    def _execute(self, batch: list[_Job]) -> None:
        texts = [text for job in batch for text in job.texts]
        started = self._clock()
        for job in batch:
            self._report("queue_wait", started - job.enqueued)
        error: InferenceError | None = None
        outputs: list[Prediction] = []
        try:
            outputs = self.model.predict(texts)
            if len(outputs) != len(texts):
                logger.error("model returned the wrong number of predictions",
                             extra={"outputs": len(outputs), "inputs": len(texts)})
                error = InferenceFailed()
        except Exception as exc:
            # Never log the exception message: it may quote the inputs. Type and frames locate the bug.
            logger.error(
                "model call failed",
                extra={"error": type(exc).__name__, "batch_items": len(texts), "batch_requests": len(batch),
                       "trace": "".join(traceback.format_tb(exc.__traceback__))},
            )
            error = InferenceFailed()
        finally:
            self._in_flight = 0
        self._report("batch_done", len(texts), len(batch), self._clock() - started, error is None)
        offset = 0
        for job in batch:
            if error is not None:
                job.settle(error=error)
            else:
                job.settle(result=outputs[offset:offset + len(job.texts)])
            offset += len(job.texts)

    def _report(self, event: str, *args: object) -> None:
        if self._observer is None:
            return
        try:
            getattr(self._observer, event)(*args)
        except Exception:  # metrics must never break serving
            logger.exception("metrics observer failed")

    # -- shutdown ----------------------------------------------------------------------------------------------

    def close(self, drain_timeout_s: float = 10.0, *, close_model: bool = True) -> None:
        """Stop accepting, let the worker finish the queue (up to the timeout), then close the model."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout=drain_timeout_s)
        if self._thread.is_alive():
            logger.warning("batching worker still busy at shutdown; abandoning it",
                           extra={"timeout_s": drain_timeout_s})
            with self._cond:
                pending = list(self._queue)
                self._queue.clear()
                self._queued_items = 0
            for job in pending:
                job.settle(error=ModelNotReady())
            return  # the worker still uses the model: do not close it under its feet
        if close_model:
            self.model.close()
