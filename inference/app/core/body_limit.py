"""Request body size cap (413), enforced in the app because uvicorn has none."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.asgi import send_json

TOO_LARGE_BODY = json.dumps({"detail": "request body too large"}).encode()


class BodySizeLimitMiddleware:
    """Reads the whole body (at most `max_bytes`) before the app sees it, and answers 413 beyond that.

    FastAPI buffers JSON bodies completely anyway, so buffering here costs nothing extra and keeps the rule
    simple: a declared Content-Length over the cap is refused before reading, and a chunked body is refused as
    soon as the running total passes the cap. The app then receives the body as a single message.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await read_capped_body(scope, receive, send, self.max_bytes)
        if body is None:
            return
        await self.app(scope, replay_body(body, receive), send)


async def read_capped_body(scope: Scope, receive: Receive, send: Send, max_bytes: int) -> bytes | None:
    """The whole request body, or None after answering 400/413 (or when the client went away)."""
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                await send_json(send, 400, json.dumps({"detail": "invalid content-length"}).encode())
                return None
            if declared > max_bytes:
                await send_json(send, 413, TOO_LARGE_BODY, [(b"connection", b"close")])
                return None
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > max_bytes:
            await send_json(send, 413, TOO_LARGE_BODY, [(b"connection", b"close")])
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the already-read body to the app as one message."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for http.disconnect as usual

    return replay
