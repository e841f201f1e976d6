"""Request dependencies: settings and the runner, both held in `app.state` by the app factory and lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.batching import Runner
from app.core.errors import ModelNotReady
from app.core.settings import Settings


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_runner(request: Request) -> Runner:
    runner: Runner | None = getattr(request.app.state, "runner", None)
    if runner is None or not runner.ready:
        raise ModelNotReady(request.app.state.settings.retry_after_s)
    return runner


SettingsDep = Annotated[Settings, Depends(get_settings)]
RunnerDep = Annotated[Runner, Depends(get_runner)]
