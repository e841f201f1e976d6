"""App factory: `create_app(settings, model)`; `uvicorn --factory app.main:create_app` reads settings from env."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.routes import build_router
from app.batching import BatchingRunner
from app.core.access import AccessMiddleware
from app.core.body_limit import BodySizeLimitMiddleware
from app.core.errors import install_error_handlers
from app.core.logging import configure_logging
from app.core.metrics import Metrics
from app.core.security import RequireSecretMiddleware, SecretVerifier
from app.core.settings import Settings, get_settings
from app.core.signing import SignatureVerifier
from app.model.base import Model

logger = logging.getLogger("inference.app")


def build_runner(model: Model, settings: Settings, metrics: Metrics | None = None) -> BatchingRunner:
    runner = BatchingRunner(
        model,
        batching=settings.batching,
        max_batch_items=settings.max_batch_items,
        max_wait_ms=settings.max_wait_ms,
        max_queue_items=settings.max_queue_items,
        max_queue_ms=settings.max_queue_ms,
        retry_after_s=settings.retry_after_s,
        observer=metrics,
    )
    if metrics is not None:
        metrics.bind(lambda: runner.queued_items, lambda: runner.alive)
    return runner


def create_app(settings: Settings | None = None, model: Model | None = None) -> FastAPI:
    """Build the app. The model is loaded once in the lifespan (`settings.model_class`, else the transformer in
    `settings.model_dir`), unless one is passed in (tests pass a fake); either way one batch warms it up through
    the batching worker before the app reports ready. Shutdown drains the queue, then closes the model."""
    settings = settings or get_settings()
    configure_logging(fmt=settings.log_format)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if model is None:
            from app.model.loader import load_model

            loaded = load_model(settings)
        else:
            loaded = model
        runner = build_runner(loaded, settings, metrics)
        try:
            await runner.warm_up()
            app.state.runner = runner
            logger.info(
                "ready",
                extra={
                    "model": loaded.name, "version": loaded.version, "device": loaded.device,
                    "accepted_secrets": len(settings.secrets), "signing": settings.signing,
                    "batching": settings.batching, "max_batch_items": settings.max_batch_items,
                    "max_wait_ms": settings.max_wait_ms, "max_queue_items": settings.max_queue_items,
                    "max_inputs": settings.max_inputs, "max_body_bytes": settings.max_body_bytes,
                },
            )
            yield
        finally:
            # uvicorn has already stopped accepting and waited for open requests (--timeout-graceful-shutdown);
            # what is still queued is finished here before the model is released.
            runner.close(settings.drain_timeout_s)
            logger.info("stopped")

    app = FastAPI(
        title="inference",
        lifespan=lifespan,
        # Private service: no schema or docs for strangers (the secret middleware would hide them anyway).
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.runner = None
    app.state.metrics = metrics
    install_error_handlers(app)
    app.include_router(build_router(settings))
    # Added last = outermost. Order of a request: access log/metrics, then the secret or signature (a signed
    # request's body is read here, capped), then the body cap, then parsing and the route.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    secrets = settings.secret_bytes()
    app.add_middleware(
        RequireSecretMiddleware,
        verifier=SecretVerifier(secrets),
        signatures=None if settings.signing == "off" else SignatureVerifier(
            secrets, window_s=settings.signing_window_s, max_seen=settings.signing_max_seen),
        mode=settings.signing,
        max_body_bytes=settings.max_body_bytes,
    )
    app.add_middleware(AccessMiddleware, metrics=metrics)
    return app
