"""Who may call: the shared secret and/or an HMAC signature, checked in ASGI middleware before any parsing.

A FastAPI dependency would run after body validation (an unauthenticated malformed request would see a 422) and
would not cover the docs routes; middleware covers every path and reveals nothing about the API to strangers.

Modes (INFERENCE_SIGNING, see core/signing.py for the signature):
- off: a valid `X-Inference-Secret` header.
- optional: a valid secret header, or a valid, fresh, unreplayed signature (for switching the gateway over).
- required: a valid signature; the secret header alone is refused (a captured secret header would otherwise
  let anyone forge requests, which is what signing is meant to prevent).
Every failure answers the same 401; the reason goes to the log (never a value).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets as _secrets
from collections.abc import Iterable
from typing import Literal

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.asgi import send_json
from app.core.body_limit import read_capped_body, replay_body
from app.core.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureVerifier, Verdict

SECRET_HEADER = "X-Inference-Secret"
_SECRET_KEY = SECRET_HEADER.lower().encode("latin-1")
_TIMESTAMP_KEY = TIMESTAMP_HEADER.lower().encode("latin-1")
_SIGNATURE_KEY = SIGNATURE_HEADER.lower().encode("latin-1")
_NONCE_KEY = NONCE_HEADER.lower().encode("latin-1")
UNAUTHORIZED_BODY = json.dumps({"detail": "missing or invalid secret"}).encode()
BUSY_BODY = json.dumps({"detail": "overloaded, retry later"}).encode()
# Paths a load balancer or Cloud Run probe may call without the secret (method, path).
PUBLIC_ROUTES = frozenset({("GET", "/healthz"), ("GET", "/readyz")})

logger = logging.getLogger("inference.security")


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


def _single(scope: Scope, key: bytes) -> bytes | None:
    # A repeated header is ambiguous (proxies may join or pick one); treat it as absent rather than guess.
    values = [value for name, value in scope["headers"] if name == key]
    return values[0] if len(values) == 1 else None


class RequireSecretMiddleware:
    """Answers 401 to every request that is not authenticated (see the module doc), except the public routes."""

    def __init__(
        self,
        app: ASGIApp,
        verifier: SecretVerifier,
        signatures: SignatureVerifier | None = None,
        mode: Literal["off", "optional", "required"] = "off",
        max_body_bytes: int = 1024 * 1024,
    ) -> None:
        if mode != "off" and signatures is None:
            raise ValueError("signing is on but no signature verifier was given")
        self.app = app
        self.verifier = verifier
        self.signatures = signatures
        self.mode = mode
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) in PUBLIC_ROUTES:
            await self.app(scope, receive, send)
            return
        secret_ok = self.verifier.verify(_single(scope, _SECRET_KEY))
        if secret_ok and self.mode != "required":
            await self.app(scope, receive, send)
            return
        timestamp, signature = _single(scope, _TIMESTAMP_KEY), _single(scope, _SIGNATURE_KEY)
        if self.mode == "off" or self.signatures is None or timestamp is None or signature is None:
            await self._refuse(send, "secret header required" if self.mode == "required" and secret_ok else None)
            return
        ts = timestamp.decode("latin-1")
        if not self.signatures.fresh(ts):  # cheap, before reading any body
            await self._refuse(send, "stale or malformed timestamp")
            return
        body = await read_capped_body(scope, receive, send, self.max_body_bytes)
        if body is None:
            return
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            path += "?" + scope["query_string"].decode("latin-1")
        nonce = _single(scope, _NONCE_KEY)
        verdict = self.signatures.verify(
            ts, nonce.decode("latin-1") if nonce is not None else None, signature.decode("latin-1"),
            scope["method"], path, body,
        )
        if verdict is Verdict.OK:
            await self.app(scope, replay_body(body, receive), send)
        elif verdict is Verdict.FULL:
            logger.warning("replay set full; refusing signed requests until entries expire")
            await send_json(send, 503, BUSY_BODY, [(b"retry-after", b"1")])
        else:
            await self._refuse(send, verdict.value)

    @staticmethod
    async def _refuse(send: Send, reason: str | None) -> None:
        if reason:
            logger.warning("request refused", extra={"reason": reason})
        await send_json(send, 401, UNAUTHORIZED_BODY)
