"""The container's error model: a few exception classes, one handler, and a 422 that never echoes inputs."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class InferenceError(Exception):
    """Base class: `status` and the public `detail` are all a client ever sees; the cause stays in the logs."""

    status = 500
    detail = "internal error"
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


class ModelNotReady(InferenceError):
    status = 503
    detail = "model not ready"
    retry_after = 5


class InferenceFailed(InferenceError):
    status = 500
    detail = "inference failed"


async def _inference_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InferenceError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers())


_MAX_CTX_CHARS = 200


def _public_validation_error(error: dict) -> dict:
    """Keep where and what (loc, msg, type, small context such as a limit); drop the offending `input`."""
    public = {"loc": list(error.get("loc", ())), "msg": str(error.get("msg", "")), "type": error.get("type", "")}
    ctx = error.get("ctx")
    if isinstance(ctx, dict):
        kept = {}
        for key, value in ctx.items():
            if isinstance(value, bool | int | float):
                kept[key] = value
            elif isinstance(value, str):
                kept[key] = value[:_MAX_CTX_CHARS]
        if kept:
            public["ctx"] = kept
    return public


async def _validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": [_public_validation_error(e) for e in exc.errors()]}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InferenceError, _inference_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
