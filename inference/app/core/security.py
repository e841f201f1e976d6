"""Shared-secret check, done in ASGI middleware so that it runs before any body is read or parsed.

A FastAPI dependency would run after body validation (an unauthenticated malformed request would see a 422) and
would not cover the docs routes; middleware covers every path and reveals nothing about the API to strangers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets as _secrets
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

SECRET_HEADER = "X-Inference-Secret"
_SECRET_HEADER_KEY = SECRET_HEADER.lower().encode("latin-1")
UNAUTHORIZED_BODY = json.dumps({"detail": "missing or invalid secret"}).encode()
# Paths a load balancer or Cloud Run probe may call without the secret (method, path).
PUBLIC_ROUTES = frozenset({("GET", "/healthz")})


class SecretVerifier:
    """Accepts a presented secret if it equals any accepted secret, in time independent of which one or where.

    Both sides are first reduced to an HMAC under a random per-process key, so `compare_digest` always compares
    32-byte values: neither the length of the accepted secrets nor the length of a guess shows in the timing.
    Every accepted secret is compared (no early exit), so timing does not reveal which one matched.
    """

    def __init__(self, accepted: Iterable[bytes]) -> None:
        self._key = _secrets.token_bytes(32)
        self._digests = tuple(self._digest(secret) for secret in accepted)
        if not self._digests:
            raise ValueError("at least one accepted secret is required")

    def _digest(self, value: bytes) -> bytes:
        return hmac.new(self._key, value, hashlib.sha256).digest()

    def verify(self, presented: bytes | None) -> bool:
        # A missing header is hashed like any other guess, so it costs the same; accepted secrets are never
        # empty (settings require 16+ characters), so b"" cannot match.
        candidate = self._digest(presented or b"")
        matched = False
        for digest in self._digests:
            matched |= hmac.compare_digest(candidate, digest)
        return matched


class RequireSecretMiddleware:
    """Answers 401 to every request without a valid `X-Inference-Secret` header, except the public routes."""

    def __init__(self, app: ASGIApp, verifier: SecretVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) in PUBLIC_ROUTES:
            await self.app(scope, receive, send)
            return
        values = [value for key, value in scope["headers"] if key == _SECRET_HEADER_KEY]
        # A repeated header is ambiguous (proxies may join or pick one); refuse it rather than guess.
        presented = values[0] if len(values) == 1 else None
        if self.verifier.verify(presented):
            await self.app(scope, receive, send)
            return
        await send_json(send, 401, UNAUTHORIZED_BODY)


async def send_json(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Send a complete JSON response from middleware, without touching the request body."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
