"""The app over (in-process) HTTP with the batcher: concurrent requests batched, 503 + Retry-After on a full
queue, the deadline header, worker death turning the probes red, metrics behind the secret, the model chosen by
configuration."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from app.main import create_app
from app.model.fake import FakeModel
from app.model.loader import ModelLoadError
from tests.support import gated, until


@asynccontextmanager
async def serving(settings: object, model: FakeModel | None) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    app = create_app(settings, model=model)  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://inference") as client:
            yield client, app


def run(body: Callable[[], object]) -> None:
    asyncio.run(asyncio.wait_for(body(), timeout=20))  # type: ignore[arg-type]


async def hold(client: httpx.AsyncClient, model: FakeModel, gate: threading.Event, auth: dict) -> asyncio.Task:
    gate.clear()
    entered = model.entered
    task = asyncio.ensure_future(client.post("/v1/infer", json={"inputs": ["blocker"]}, headers=auth))
    await until(lambda: model.entered > entered, "worker busy")
    return task


def test_concurrent_http_requests_share_one_model_call(make_settings, auth: dict) -> None:
    model, gate = gated()

    async def body() -> None:
        async with serving(make_settings(max_wait_ms=0), model) as (client, app):
            blocker = await hold(client, model, gate, auth)
            inputs = [[f"req {i} good", f"req {i} bad"] for i in range(8)]
            tasks = [asyncio.ensure_future(client.post("/v1/infer", json={"inputs": x}, headers=auth)) for x in inputs]
            await until(lambda: app.state.runner.queued_items == 16, "queued")
            gate.set()
            responses = await asyncio.gather(blocker, *tasks)
        assert all(r.status_code == 200 for r in responses)
        for x, response in zip(inputs, responses[1:], strict=True):
            assert [o["label"] for o in response.json()["outputs"]] == ["positive", "negative"], x
        # One model call for all 8 waiting requests (their arrival order over HTTP is up to the event loop).
        assert len(model.calls) == 3 and sorted(model.calls[2]) == sorted(t for x in inputs for t in x)

    run(body)


def test_full_queue_answers_503_with_retry_after(make_settings, auth: dict) -> None:
    model, gate = gated()

    async def body() -> None:
        settings = make_settings(max_wait_ms=0, max_inputs=2, max_queue_items=2, retry_after_s=2)
        async with serving(settings, model) as (client, app):
            blocker = await hold(client, model, gate, auth)
            queued = asyncio.ensure_future(client.post("/v1/infer", json={"inputs": ["a", "b"]}, headers=auth))
            await until(lambda: app.state.runner.queued_items == 2, "queued")
            refused = await client.post("/v1/infer", json={"inputs": ["c"]}, headers=auth)
            metrics = (await client.get("/metrics", headers=auth)).text
            gate.set()
            assert (await blocker).status_code == 200 and (await queued).status_code == 200
        assert refused.status_code == 503 and refused.headers["retry-after"] == "2"
        assert refused.json() == {"detail": "overloaded, retry later"}
        assert 'inference_queue_rejections_total{reason="queue_full"} 1.0' in metrics
        assert "inference_queue_depth_items 2.0" in metrics

    run(body)


def test_deadline_header_drops_a_request_that_waited_too_long(make_settings, auth: dict) -> None:
    model, gate = gated()

    async def body() -> None:
        async with serving(make_settings(max_wait_ms=0), model) as (client, app):
            blocker = await hold(client, model, gate, auth)
            sent = time.monotonic()
            late = asyncio.ensure_future(
                client.post("/v1/infer", json={"inputs": ["LATE"]}, headers={**auth, "X-Request-Deadline-Ms": "20"})
            )
            await until(lambda: app.state.runner.queued_items == 1, "queued")
            await until(lambda: time.monotonic() - sent > 0.03, "the deadline to pass")
            gate.set()
            await blocker
            response = await late
            bad = await client.post("/v1/infer", json={"inputs": ["x"]}, headers={**auth, "X-Request-Deadline-Ms": "0"})
        assert response.status_code == 503 and response.json() == {"detail": "deadline exceeded while queued"}
        assert "retry-after" in response.headers
        assert ["LATE"] not in model.calls
        assert bad.status_code == 422

    run(body)


class WorkerKilled(BaseException):
    pass


def test_worker_death_fails_requests_fast_and_turns_probes_red(make_settings, auth: dict) -> None:
    model = FakeModel()

    async def body() -> None:
        async with serving(make_settings(), model) as (client, _app):
            assert (await client.get("/readyz")).status_code == 200
            model.fail_with = WorkerKilled()
            first = await client.post("/v1/infer", json={"inputs": ["x"]}, headers=auth)
            later = await client.post("/v1/infer", json={"inputs": ["y"]}, headers=auth)
            ready, alive = await client.get("/readyz"), await client.get("/healthz")
            metrics = (await client.get("/metrics", headers=auth)).text
        assert first.status_code == 503 and later.status_code == 503
        assert later.json() == {"detail": "model not ready"} and "retry-after" in later.headers
        assert ready.status_code == 503 and alive.status_code == 503
        assert "inference_worker_alive 0.0" in metrics

    run(body)


def test_metrics_need_the_secret_and_count_outcomes_and_batches(make_settings, auth: dict) -> None:
    async def body() -> None:
        async with serving(make_settings(), FakeModel()) as (client, _app):
            assert (await client.get("/metrics")).status_code == 401
            await client.post("/v1/infer", json={"inputs": ["a", "b", "c"]}, headers=auth)
            await client.post("/v1/infer", json={"inputs": []}, headers=auth)
            await client.post("/v1/infer", json={"inputs": ["a"]})
            response = await client.get("/metrics", headers=auth)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
        text = response.text
        for line in (
            'inference_requests_total{outcome="ok"} 1.0',
            'inference_requests_total{outcome="rejected"} 1.0',
            'inference_requests_total{outcome="unauthorized"} 1.0',
            "inference_batch_size_items_count 2.0",  # the warm-up and the request
            'inference_batch_size_items_bucket{le="4.0"} 2.0',
            "inference_worker_alive 1.0",
            "inference_request_seconds_count 3.0",
        ):
            assert line in text, line

    run(body)


def test_the_model_is_chosen_by_configuration(make_settings, auth: dict) -> None:
    async def body() -> None:
        async with serving(make_settings(model_class="app.model.fake:FakeModel"), None) as (client, _app):
            ready = (await client.get("/readyz")).json()
            response = await client.post("/v1/infer", json={"inputs": ["good"]}, headers=auth)
        assert ready["model"] == "fake" and response.json()["outputs"][0]["label"] == "positive"

    run(body)


@pytest.mark.parametrize("spec", ["app.model.nowhere:Model", "app.model.fake:Missing", "app.core.errors:QueueFull"])
def test_a_bad_model_class_stops_start_up(make_settings, spec: str) -> None:
    async def body() -> None:
        with pytest.raises(ModelLoadError, match="INFERENCE_MODEL_CLASS"):
            async with serving(make_settings(model_class=spec), None):
                pass

    run(body)
