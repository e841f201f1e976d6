"""Optional HMAC request signing, so that a captured request cannot be replayed or altered.

The gateway signs each attempt (a retry is a new signature):

    X-Inference-Timestamp: <unix seconds, integer>
    X-Inference-Nonce:     <random, 16-64 characters of [0-9A-Za-z_-]; the gateway sends 32 hex digits>
    X-Inference-Signature: hex(HMAC-SHA256(secret, "<timestamp>\\n<nonce>\\n<METHOD>\\n<path>\\n" + hex(sha256(body))))

The nonce makes each attempt's signature unique, so a retry in the same second is not taken for a replay.
`path` is the request target as sent (e.g. `/v1/infer`, with `?query` if any); `secret` is any accepted secret,
so rotation works the same way as for the plain secret header. The server accepts a signature only while
|now - timestamp| <= the window (60 s by default) and only once: each accepted signature is remembered until
its timestamp leaves the window (an in-memory set, so per instance: with several instances a replay could reach
another one within the window, which TLS and Cloud Run IAM make hard to capture in the first place).
Every accepted secret is tried without an early exit and compared in constant time.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import re
import time
from collections.abc import Callable, Iterable
from enum import Enum

TIMESTAMP_HEADER = "X-Inference-Timestamp"
NONCE_HEADER = "X-Inference-Nonce"
SIGNATURE_HEADER = "X-Inference-Signature"


_NONCE = re.compile(r"[0-9A-Za-z_-]{16,64}")


def canonical_request(timestamp: str, nonce: str, method: str, path: str, body: bytes) -> bytes:
    return f"{timestamp}\n{nonce}\n{method.upper()}\n{path}\n{hashlib.sha256(body).hexdigest()}".encode()


def sign(secret: bytes, timestamp: str, nonce: str, method: str, path: str, body: bytes) -> str:
    return hmac.new(secret, canonical_request(timestamp, nonce, method, path, body), hashlib.sha256).hexdigest()


class Verdict(Enum):
    OK = "ok"
    STALE = "stale"  # timestamp missing, malformed or outside the window
    BAD_SIGNATURE = "bad_signature"
    REPLAYED = "replayed"
    FULL = "full"  # the replay set is full of unexpired signatures: refuse rather than forget


class SignatureVerifier:
    def __init__(
        self,
        secrets: Iterable[bytes],
        *,
        window_s: int = 60,
        max_seen: int = 200_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secrets = tuple(secrets)
        if not self._secrets:
            raise ValueError("at least one secret is required")
        self.window_s = window_s
        self.max_seen = max_seen
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._expiry: list[tuple[float, str]] = []

    def fresh(self, timestamp: str | None) -> bool:
        """A cheap check before the body is read: an integer timestamp inside the window."""
        if timestamp is None or not (1 <= len(timestamp) <= 12) or not timestamp.isdigit():
            return False
        return abs(self._clock() - int(timestamp)) <= self.window_s

    def verify(
        self, timestamp: str | None, nonce: str | None, signature: str | None, method: str, path: str, body: bytes
    ) -> Verdict:
        if not self.fresh(timestamp):
            return Verdict.STALE
        assert timestamp is not None
        if nonce is None or not _NONCE.fullmatch(nonce):
            return Verdict.BAD_SIGNATURE
        presented = (signature or "").strip().lower()
        try:
            presented_bytes = bytes.fromhex(presented) if len(presented) == 64 else b""
        except ValueError:
            presented_bytes = b""
        message = canonical_request(timestamp, nonce, method, path, body)
        matched = False
        for secret in self._secrets:  # no early exit: timing does not tell which secret (or none) matched
            expected = hmac.new(secret, message, hashlib.sha256).digest()
            matched |= hmac.compare_digest(expected, presented_bytes.ljust(32, b"\0")[:32]) and bool(presented_bytes)
        if not matched:
            return Verdict.BAD_SIGNATURE
        return self._remember(presented, int(timestamp) + self.window_s)

    def _remember(self, signature: str, expires_at: float) -> Verdict:
        now = self._clock()
        while self._expiry and self._expiry[0][0] < now:
            _, old = heapq.heappop(self._expiry)
            self._seen.pop(old, None)
        if signature in self._seen:
            return Verdict.REPLAYED
        if len(self._seen) >= self.max_seen:
            return Verdict.FULL
        self._seen[signature] = expires_at
        heapq.heappush(self._expiry, (expires_at, signature))
        return Verdict.OK

    @property
    def remembered(self) -> int:
        return len(self._seen)
