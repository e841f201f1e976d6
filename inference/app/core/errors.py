"""The container's error model: a few exception classes, one handler, and a 422 that never echoes inputs.

The exception classes import nothing from FastAPI, so the batcher (and the in-process benchmark) can use them
without the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse


class InferenceError(Exception):
    """Base class: `status` and the public `detail` are all a client ever sees; the cause stays in the logs."""

    status = 500
    detail = "internal error"
    retry_after: int | None = None

    def __init__(self, retry_after: int | None = None) -> None:
        super().__init__(self.detail)
        if retry_after is not None:
            self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


class ModelNotReady(InferenceError):
    status = 503
    detail = "model not ready"
    retry_after = 5


class InferenceFailed(InferenceError):
    status = 500
    detail = "inference failed"


class QueueFull(InferenceError):
    """Backpressure: the bounded queue has no room for this request's inputs."""

    status = 503
    detail = "overloaded, retry later"
    retry_after = 1


class DeadlineExceeded(InferenceError):
    """The request's deadline passed while it waited in the queue; it was dropped without running the model."""

    status = 503
    detail = "deadline exceeded while queued"
    retry_after = 1


async def _inference_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    from fastapi.responses import JSONResponse

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
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": [_public_validation_error(e) for e in exc.errors()]}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError

    app.add_exception_handler(InferenceError, _inference_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
