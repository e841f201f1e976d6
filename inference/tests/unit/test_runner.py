"""The runner serialises model calls: concurrent requests never run the model at the same time."""

from __future__ import annotations

import asyncio
import threading

from app.batching import SerialRunner
from app.model.fake import FakeModel


def test_concurrent_calls_run_one_at_a_time_in_order_per_call() -> None:
    model = FakeModel(delay_s=0.01)
    runner = SerialRunner(model)

    async def main() -> list[list[str]]:
        results = await asyncio.gather(*(runner.predict([f"t{i}", f"good {i}"]) for i in range(20)))
        return [[p.label for p in r] for r in results]

    try:
        labels = asyncio.run(main())
    finally:
        runner.close()
    assert labels == [["negative", "positive"]] * 20
    assert model.max_concurrency == 1 and len(model.calls) == 20
    assert model.closed and not runner.ready


def test_model_runs_off_the_event_loop_thread() -> None:
    seen: list[str] = []

    class Recording(FakeModel):
        def forward(self, batch):  # type: ignore[override]
            seen.append(threading.current_thread().name)
            return super().forward(batch)

    runner = SerialRunner(Recording())
    try:
        asyncio.run(runner.predict(["x"]))
    finally:
        runner.close()
    assert seen and seen[0].startswith("model") and seen[0] != threading.main_thread().name
