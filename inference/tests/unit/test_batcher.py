"""The micro-batcher with the fake model: one-to-one outputs, max size, max wait, failure fan-out, the bounded
queue, deadlines, cancellation, worker death, draining, and the serial (batching off) mode.

Timing is never guessed: the fake model's gate holds the worker busy while requests queue up, an injected
clock drives max-wait and deadlines, and waits are polls with a deadline.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

import pytest

from app.batching import BatchingRunner
from app.core.errors import DeadlineExceeded, InferenceFailed, ModelNotReady, QueueFull
from app.model.fake import FakeModel
from tests.support import gated, until


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def expected(texts: list[str]) -> list[tuple[str, float]]:
    return [(p.label, p.score) for p in FakeModel().predict(texts)]


def run(body: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(body(), timeout=20))


def make(model: FakeModel, **options: object) -> BatchingRunner:
    return BatchingRunner(model, **options)  # type: ignore[arg-type]


async def started(runner: BatchingRunner) -> BatchingRunner:
    await runner.warm_up()
    return runner


async def hold_worker(runner: BatchingRunner, model: FakeModel, gate: threading.Event) -> asyncio.Task:
    """Occupy the worker with one request stuck in the gated model, so later requests queue up."""
    gate.clear()
    entered = model.entered
    blocker = asyncio.ensure_future(runner.predict(["blocker"]))
    await until(lambda: model.entered > entered, "the worker to start the blocking call")
    return blocker


def test_concurrent_requests_are_merged_and_get_exactly_their_own_outputs() -> None:
    model, gate = gated()

    async def body() -> None:
        runner = await started(make(model, max_batch_items=64, max_wait_ms=0))
        try:
            blocker = await hold_worker(runner, model, gate)
            requests = [[f"r{i} good {j}" if j % 2 else f"r{i} text {j}" for j in range(1 + i % 4)] for i in range(12)]
            tasks = [asyncio.ensure_future(runner.predict(texts)) for texts in requests]
            total = sum(map(len, requests))
            await until(lambda: runner.queued_items == total, "all requests queued")
            gate.set()
            results = await asyncio.gather(*tasks)
            await blocker
        finally:
            runner.close()
        for texts, result in zip(requests, results, strict=True):
            assert [(p.label, p.score) for p in result] == expected(texts)
        # After the blocker, the 12 waiting requests went to the model as ONE call, in arrival order.
        assert model.calls[2:] == [[text for texts in requests for text in texts]]
        assert model.max_concurrency == 1

    run(body)


def test_batches_never_exceed_max_items_and_a_large_request_runs_alone() -> None:
    model, gate = gated()

    async def body() -> None:
        runner = await started(make(model, max_batch_items=8, max_wait_ms=0, max_queue_items=500))
        try:
            blocker = await hold_worker(runner, model, gate)
            sizes = [3, 3, 3, 20, 1, 7, 2, 2, 2, 2]
            tasks = [asyncio.ensure_future(runner.predict([f"{n}-{k}" for k in range(n)])) for n in sizes]
            await until(lambda: runner.queued_items == sum(sizes), "all queued")
            gate.set()
            results = await asyncio.gather(*tasks)
            await blocker
        finally:
            runner.close()
        assert [len(r) for r in results] == sizes
        batch_sizes = [len(call) for call in model.calls[2:]]
        # Whole requests, first come first served: [3,3] (+3 would be 9), [3], [20] alone, [1,7], [2,2,2,2].
        assert batch_sizes == [6, 3, 20, 8, 8]

    run(body)


def test_waits_up_to_max_wait_for_more_requests_counted_from_the_oldest() -> None:
    clock = FakeClock()
    model = FakeModel()

    async def body() -> None:
        runner = await started(make(model, max_batch_items=8, max_wait_ms=100, clock=clock))
        try:
            first = asyncio.ensure_future(runner.predict(["first"]))
            await until(lambda: runner.queued_items == 1, "first queued")
            clock.now += 0.05  # still inside the window: the worker keeps waiting for company
            runner.wake()
            second = asyncio.ensure_future(runner.predict(["second"]))
            await until(lambda: runner.queued_items == 2, "second queued")
            assert model.calls == [["warm-up"]]
            clock.now += 0.051  # the oldest request has now waited max_wait: go, with both
            runner.wake()
            await asyncio.gather(first, second)
            assert model.calls[-1] == ["first", "second"]

            # A full batch does not wait at all, whatever max_wait says.
            tasks = [asyncio.ensure_future(runner.predict([f"x{i}", f"y{i}"])) for i in range(4)]
            await asyncio.gather(*tasks)
            assert model.calls[-1] == ["x0", "y0", "x1", "y1", "x2", "y2", "x3", "y3"]
        finally:
            runner.close()

    run(body)


def test_a_failing_batch_fails_every_request_in_it_and_the_worker_carries_on() -> None:
    model, gate = gated()

    async def body() -> None:
        runner = await started(make(model, max_wait_ms=0))
        try:
            blocker = await hold_worker(runner, model, gate)
            tasks = [asyncio.ensure_future(runner.predict([f"t{i}"])) for i in range(3)]
            await until(lambda: runner.queued_items == 3, "queued")
            model.fail_with = RuntimeError("boom")
            gate.set()
            results = await asyncio.gather(blocker, *tasks, return_exceptions=True)
            assert all(isinstance(r, InferenceFailed) for r in results), results
            model.fail_with = None
            model.drop_outputs = 1  # the wrong number of outputs fails the whole batch too
            assert isinstance(
                (await asyncio.gather(runner.predict(["a", "b"]), return_exceptions=True))[0], InferenceFailed
            )
            model.drop_outputs = 0
            assert len(await runner.predict(["again"])) == 1
            assert runner.ready
        finally:
            runner.close()

    run(body)


def test_full_queue_refuses_at_once_with_retry_after() -> None:
    model, gate = gated()

    async def body() -> None:
        runner = await started(make(model, max_wait_ms=0, max_queue_items=4, retry_after_s=3))
        try:
            blocker = await hold_worker(runner, model, gate)
            queued = [asyncio.ensure_future(runner.predict(["a", "b", "c"]))]
            await until(lambda: runner.queued_items == 3, "queued")
            with pytest.raises(QueueFull) as info:
                await runner.predict(["d", "e"])  # 3 + 2 > 4
            assert info.value.status == 503 and info.value.headers() == {"Retry-After": "3"}
            queued.append(asyncio.ensure_future(runner.predict(["d"])))  # 3 + 1 fits
            await until(lambda: runner.queued_items == 4, "queued")
            gate.set()
            assert [len(r) for r in await asyncio.gather(blocker, *queued)] == [1, 3, 1]
        finally:
            runner.close()

    run(body)


def test_requests_whose_deadline_passed_in_the_queue_are_dropped_not_computed() -> None:
    clock = FakeClock()
    model, gate = gated()

    async def body() -> None:
        runner = await started(make(model, max_wait_ms=0, max_queue_ms=5000, clock=clock))
        try:
            blocker = await hold_worker(runner, model, gate)
            short = asyncio.ensure_future(runner.predict(["short-deadline"], deadline_s=1.0))
            server_cap = asyncio.ensure_future(runner.predict(["no-deadline"]))  # server-side max_queue_ms: 5 s
            patient = asyncio.ensure_future(runner.predict(["patient"], deadline_s=60.0))
            await until(lambda: runner.queued_items == 3, "queued")
            clock.now += 2.0
            gate.set()
            await blocker
            with pytest.raises(DeadlineExceeded):
                await short
            assert len(await server_cap) == 1 and len(await patient) == 1

            blocker = await hold_worker(runner, model, gate)
            late = asyncio.ensure_future(runner.predict(["too-late"]))
            await until(lambda: runner.queued_items == 1, "queued")
            clock.now += 5.0
            gate.set()
            await blocker
            with pytest.raises(DeadlineExceeded):
                await late
        finally:
            runner.close()
        seen = [text for call in model.calls for text in call]
        assert "short-deadline" not in seen and "too-late" not in seen
        assert "patient" in seen and "no-deadline" in seen

    run(body)


def test_a_request_whose_caller_went_away_is_not_computed() -> None:
    model, gate = gated()

    async def body() -> None:
        runner = await started(make(model, max_wait_ms=0))
        try:
            blocker = await hold_worker(runner, model, gate)
            gone = asyncio.ensure_future(runner.predict(["abandoned"]))
            await until(lambda: runner.queued_items == 1, "queued")
            gone.cancel()
            gate.set()
            await blocker
            assert len(await runner.predict(["next"])) == 1
        finally:
            runner.close()
        assert ["abandoned"] not in model.calls

    run(body)


class WorkerKilled(BaseException):
    """Not an Exception: escapes the per-batch handler like a fatal error in the worker would."""


def test_when_the_worker_dies_queued_requests_fail_fast_and_it_is_not_ready() -> None:
    model, gate = gated()

    async def body() -> None:
        runner = await started(make(model, max_wait_ms=0))
        try:
            blocker = await hold_worker(runner, model, gate)
            queued = [asyncio.ensure_future(runner.predict([f"q{i}"])) for i in range(3)]
            await until(lambda: runner.queued_items == 3, "queued")
            model.fail_with = WorkerKilled()
            gate.set()
            results = await asyncio.gather(blocker, *queued, return_exceptions=True)
            assert all(isinstance(r, ModelNotReady) for r in results), results
            assert not runner.ready and not runner.alive
            with pytest.raises(ModelNotReady):
                await runner.predict(["after"])
        finally:
            runner.close(drain_timeout_s=1)

    run(body)


def test_close_drains_queued_work_then_closes_the_model() -> None:
    model, gate = gated()

    async def body() -> None:
        runner = await started(make(model, max_wait_ms=0))
        blocker = await hold_worker(runner, model, gate)
        queued = [asyncio.ensure_future(runner.predict([f"d{i}"])) for i in range(3)]
        await until(lambda: runner.queued_items == 3, "queued")
        closer = threading.Thread(target=runner.close, kwargs={"drain_timeout_s": 10})
        closer.start()
        await until(lambda: not runner.ready, "closing")
        with pytest.raises(ModelNotReady):
            await runner.predict(["refused while draining"])
        gate.set()
        results = await asyncio.gather(blocker, *queued)
        await until(lambda: not closer.is_alive(), "close to return")
        assert [len(r) for r in results] == [1, 1, 1, 1]
        assert model.closed

    run(body)


def test_batching_off_runs_one_request_per_model_call_one_at_a_time() -> None:
    model = FakeModel(delay_s=0.002)

    async def body() -> None:
        runner = await started(make(model, batching=False))
        try:
            results = await asyncio.gather(*(runner.predict([f"t{i}", f"good {i}"]) for i in range(10)))
        finally:
            runner.close()
        assert [[p.label for p in r] for r in results] == [["negative", "positive"]] * 10
        assert sorted(model.calls[1:]) == sorted([[f"t{i}", f"good {i}"] for i in range(10)])
        assert model.max_concurrency == 1

    run(body)


def test_model_runs_on_the_worker_thread_not_the_event_loop() -> None:
    seen: list[str] = []

    class Recording(FakeModel):
        def forward(self, batch):  # type: ignore[override]
            seen.append(threading.current_thread().name)
            return super().forward(batch)

    async def body() -> None:
        runner = await started(make(Recording()))
        try:
            await runner.predict(["x"])
        finally:
            runner.close()

    run(body)
    assert seen and all(name == "model-worker" for name in seen)


def test_warm_up_failure_is_a_start_up_error() -> None:
    async def body() -> None:
        runner = make(FakeModel(fail_with=RuntimeError("no")))
        try:
            with pytest.raises(RuntimeError, match="warm-up"):
                await runner.warm_up()
            assert not runner.ready
        finally:
            runner.close()

    run(body)
