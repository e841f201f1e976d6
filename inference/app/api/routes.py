"""HTTP routes: `POST /v1/infer` (secret required, see core/security.py) and the public `GET /healthz`."""

from fastapi import APIRouter

from app.api.deps import RunnerDep
from app.api.schemas import Health, InferResponse, Output, make_infer_request
from app.core.settings import Settings


def build_router(settings: Settings) -> APIRouter:
    router = APIRouter()
    InferRequest = make_infer_request(settings.max_inputs, settings.max_input_chars)

    @router.post("/v1/infer", response_model=InferResponse)
    async def infer(body: InferRequest, runner: RunnerDep) -> InferResponse:  # type: ignore[valid-type]
        predictions = await runner.predict(body.inputs)  # type: ignore[attr-defined]
        model = runner.model
        return InferResponse(
            outputs=[Output(label=p.label, score=p.score) for p in predictions],
            model=model.name,
            model_version=model.version,
        )

    @router.get("/healthz", response_model=Health)
    async def healthz(runner: RunnerDep) -> Health:
        model = runner.model
        return Health(status="ok", model=model.name, model_version=model.version, device=model.device)

    return router
