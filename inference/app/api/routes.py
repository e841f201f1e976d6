"""HTTP routes: `POST /v1/infer` and `GET /metrics` (secret required, see core/security.py), and the public
probes `GET /healthz` (alive) and `GET /readyz` (model loaded, worker alive, accepting work)."""

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from app.api.deps import RunnerDep
from app.api.schemas import Health, InferResponse, Output, make_infer_request
from app.core.errors import ModelNotReady
from app.core.settings import Settings

DEADLINE_HEADER = "X-Request-Deadline-Ms"


def build_router(settings: Settings) -> APIRouter:
    # No `from __future__ import annotations` here: FastAPI must see the locally built `InferRequest` class.
    router = APIRouter()
    InferRequest = make_infer_request(settings.max_inputs, settings.max_input_chars)

    @router.post("/v1/infer", response_model=InferResponse)
    async def infer(
        body: InferRequest,  # type: ignore[valid-type]
        runner: RunnerDep,
        deadline_ms: Annotated[int | None, Header(alias=DEADLINE_HEADER, ge=1, le=3_600_000)] = None,
    ) -> InferResponse:
        # The caller's remaining budget, relative (no clock sync needed): past it, a queued request is dropped.
        deadline_s = deadline_ms / 1000 if deadline_ms is not None else None
        predictions = await runner.predict(body.inputs, deadline_s)  # type: ignore[attr-defined]
        model = runner.model
        return InferResponse(
            outputs=[Output(label=p.label, score=p.score) for p in predictions],
            model=model.name,
            model_version=model.version,
        )

    @router.get("/healthz")
    async def healthz(request: Request) -> dict[str, str]:
        """Liveness: the process serves HTTP and its batching worker has not died (a dead worker never comes
        back, so the platform should restart the container)."""
        runner = getattr(request.app.state, "runner", None)
        if runner is not None and not runner.alive:
            raise ModelNotReady(settings.retry_after_s)
        return {"status": "alive"}

    @router.get("/readyz", response_model=Health)
    async def readyz(runner: RunnerDep) -> Health:
        model = runner.model
        return Health(status="ok", model=model.name, model_version=model.version, device=model.device)

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        registry = request.app.state.metrics
        return Response(registry.render(), media_type=registry.content_type)

    return router
