"""Outermost middleware: one JSON access-log line per request and the request metrics (outcome, latency).

It sees only the method, path and status: never headers (the secret) or bodies (the inputs).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.metrics import Metrics, outcome_for

logger = logging.getLogger("inference.access")
INFER_ROUTE = ("POST", "/v1/infer")


class AccessMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app fails before answering, the server answers 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            seconds = time.perf_counter() - started
            method, path = scope["method"], scope["path"]
            if (method, path) == INFER_ROUTE:
                self.metrics.requests.labels(outcome=outcome_for(status)).inc()
                self.metrics.request_seconds.observe(seconds)
            if path not in ("/healthz", "/readyz", "/metrics") or status >= 400:
                logger.info("request", extra={"method": method, "path": path[:200], "status": status,
                                              "ms": round(seconds * 1000, 2)})
