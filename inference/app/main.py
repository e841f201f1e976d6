"""App factory: `create_app(settings, model)`; `uvicorn --factory app.main:create_app` reads settings from env."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.routes import build_router
from app.batching import SerialRunner
from app.core.body_limit import BodySizeLimitMiddleware
from app.core.errors import install_error_handlers
from app.core.logging import configure_logging
from app.core.security import RequireSecretMiddleware, SecretVerifier
from app.core.settings import Settings, get_settings
from app.model.base import Model

logger = logging.getLogger("inference.app")


def create_app(settings: Settings | None = None, model: Model | None = None) -> FastAPI:
    """Build the app. The model is loaded once in the lifespan from `settings.model_dir`, unless one is passed in
    (tests pass a fake); either way it is warmed with one call before the app reports ready."""
    configure_logging()
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if model is None:
            from app.model.loader import load_model

            loaded = load_model(settings)
        else:
            loaded = model
        runner = SerialRunner(loaded)
        try:
            runner.warm_up()
            app.state.runner = runner
            logger.info(
                "ready: model=%s version=%s device=%s accepted_secrets=%d max_inputs=%d max_input_chars=%d "
                "max_body_bytes=%d", loaded.name, loaded.version, loaded.device, len(settings.secrets),
                settings.max_inputs, settings.max_input_chars, settings.max_body_bytes,
            )
            yield
        finally:
            app.state.runner = None
            runner.close()

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
    install_error_handlers(app)
    app.include_router(build_router(settings))
    # Added last = outermost: the secret is checked first, then the body is read (capped), then parsed.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequireSecretMiddleware, verifier=SecretVerifier(settings.secret_bytes()))
    return app
