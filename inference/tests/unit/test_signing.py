"""HMAC request signing and secret rotation: valid, expired, tampered, replayed, wrong mode; old secret refused
once rotation is over."""

from __future__ import annotations

import json
import secrets as _secrets
import time

import pytest

from app.core.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureVerifier, Verdict, sign
from app.model.fake import FakeModel

BODY = json.dumps({"inputs": ["hello"]}).encode()
UNAUTHORIZED = {"detail": "missing or invalid secret"}


def signed(secret: str, body: bytes = BODY, *, ts: int | None = None, path: str = "/v1/infer",
           method: str = "POST") -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    nonce = _secrets.token_hex(16)
    return {
        "content-type": "application/json",
        TIMESTAMP_HEADER: stamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign(secret.encode(), stamp, nonce, method, path, body),
    }


N = "0123456789abcdef0123456789abcdef"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_known_answer() -> None:
    """The canonical form is part of the contract with the gateway (functions/src/core/upstream.ts)."""
    assert sign(b"k" * 32, "1700000000", N, "POST", "/v1/infer", b'{"inputs":["a"]}') == (
        "33b5c17842817121b19a406968b873ca5c4c629d2c58428c6eba1c0d0807a924"  # openssl dgst -sha256 -hmac
    )


def test_verifier_window_replay_and_expiry() -> None:
    clock = Clock(1_700_000_000)
    verifier = SignatureVerifier([b"old-secret-0123456789", b"new-secret-0123456789"], window_s=60, max_seen=100,
                                 clock=clock)
    ts = "1700000000"
    good = sign(b"new-secret-0123456789", ts, N, "POST", "/v1/infer", BODY)
    assert verifier.verify(ts, N, good, "POST", "/v1/infer", BODY) is Verdict.OK
    assert verifier.verify(ts, N, good, "POST", "/v1/infer", BODY) is Verdict.REPLAYED
    other = N[::-1]  # same second, same body, another nonce (a retry): a different, valid signature
    retry = sign(b"new-secret-0123456789", ts, other, "POST", "/v1/infer", BODY)
    assert verifier.verify(ts, other, retry, "POST", "/v1/infer", BODY) is Verdict.OK
    old = sign(b"old-secret-0123456789", ts, N, "POST", "/v1/infer", BODY)
    assert verifier.verify(ts, N, old, "POST", "/v1/infer", BODY) is Verdict.OK  # either accepted secret
    assert verifier.verify(ts, N, good.upper(), "POST", "/v1/infer", BODY) is Verdict.REPLAYED  # hex case: one value
    for tampered in (
        (ts, N, good, "POST", "/v1/infer", BODY + b" "),
        (ts, N, good, "POST", "/v1/other", BODY),
        (ts, N, good, "PUT", "/v1/infer", BODY),
        (ts, other, good, "POST", "/v1/infer", BODY),
        (ts, None, good, "POST", "/v1/infer", BODY),
        (ts, "short", sign(b"new-secret-0123456789", ts, "short", "POST", "/v1/infer", BODY), "POST", "/v1/infer",
         BODY),
        (ts, N, good[:-1], "POST", "/v1/infer", BODY),
        (ts, N, "zz" * 32, "POST", "/v1/infer", BODY),
        (ts, N, "", "POST", "/v1/infer", BODY),
        (ts, N, None, "POST", "/v1/infer", BODY),
    ):
        assert verifier.verify(*tampered) is Verdict.BAD_SIGNATURE, tampered
    for stale in ("1699999939", "1700000061", "", None, "17e8", "-1700000000", "1" * 13):
        assert verifier.verify(stale, N, good, "POST", "/v1/infer", BODY) is Verdict.STALE, stale
    clock.now += 61  # the window has passed: the signature is stale now, and no longer remembered
    fresh_ts = str(int(clock.now))
    again = sign(b"new-secret-0123456789", fresh_ts, N, "POST", "/v1/infer", BODY)
    assert verifier.verify(fresh_ts, N, again, "POST", "/v1/infer", BODY) is Verdict.OK
    assert verifier.remembered == 1


def test_replay_set_refuses_when_full_rather_than_forgetting() -> None:
    clock = Clock(1_700_000_000)
    verifier = SignatureVerifier([b"s" * 20], window_s=60, max_seen=100, clock=clock)
    for i in range(100):
        body = str(i).encode()
        signature = sign(b"s" * 20, "1700000000", N, "POST", "/", body)
        assert verifier.verify("1700000000", N, signature, "POST", "/", body) is Verdict.OK
    last = sign(b"s" * 20, "1700000000", N, "POST", "/", b"x")
    assert verifier.verify("1700000000", N, last, "POST", "/", b"x") is Verdict.FULL


@pytest.fixture
def signing_client(open_client):
    def factory(mode: str, **overrides: object):
        return open_client(model=FakeModel(), signing=mode, **overrides)

    return factory


def test_required_mode_accepts_a_valid_signature_once(signing_client, secret: str) -> None:
    with signing_client("required") as client:
        headers = signed(secret)
        first = client.post("/v1/infer", content=BODY, headers=headers)
        replayed = client.post("/v1/infer", content=BODY, headers=headers)
    assert first.status_code == 200 and len(first.json()["outputs"]) == 1
    assert replayed.status_code == 401 and replayed.json() == UNAUTHORIZED


@pytest.mark.parametrize(
    "case",
    ["expired", "future", "tampered body", "wrong path", "wrong secret", "no signature", "no nonce", "secret only"],
)
def test_required_mode_refuses(signing_client, secret: str, case: str) -> None:
    now = int(time.time())
    body, headers = BODY, signed(secret)
    if case == "expired":
        headers = signed(secret, ts=now - 61)
    elif case == "future":
        headers = signed(secret, ts=now + 120)
    elif case == "tampered body":
        body = json.dumps({"inputs": ["HELLO"]}).encode()
    elif case == "wrong path":
        headers = signed(secret, path="/metrics")
    elif case == "wrong secret":
        headers = signed("not-an-accepted-secret-123")
    elif case == "no signature":
        headers = {"content-type": "application/json", TIMESTAMP_HEADER: str(now), NONCE_HEADER: N}
    elif case == "no nonce":
        headers = {k: v for k, v in headers.items() if k != NONCE_HEADER}
    elif case == "secret only":  # a captured secret header alone must not be enough
        headers = {"content-type": "application/json", "X-Inference-Secret": secret}
    with signing_client("required") as client:
        response = client.post("/v1/infer", content=body, headers=headers)
    assert response.status_code == 401 and response.json() == UNAUTHORIZED


def test_optional_mode_accepts_either_but_never_a_bad_signature(signing_client, secret: str) -> None:
    with signing_client("optional") as client:
        assert client.post("/v1/infer", content=BODY, headers=signed(secret)).status_code == 200
        plain = {"content-type": "application/json", "X-Inference-Secret": secret}
        assert client.post("/v1/infer", content=BODY, headers=plain).status_code == 200
        bad = signed(secret, ts=int(time.time()) - 600)
        assert client.post("/v1/infer", content=BODY, headers=bad).status_code == 401


def test_off_mode_ignores_signatures(signing_client, secret: str) -> None:
    with signing_client("off") as client:
        assert client.post("/v1/infer", content=BODY, headers=signed(secret)).status_code == 401


def test_signed_requests_keep_the_body_cap_and_get_401_before_reading_when_stale(signing_client, secret: str) -> None:
    big = json.dumps({"inputs": ["x" * 3000]}).encode()
    with signing_client("required", max_body_bytes=2048, max_input_chars=100_000) as client:
        too_big = client.post("/v1/infer", content=big, headers=signed(secret, big))
        stale = client.post("/v1/infer", content=big, headers=signed(secret, big, ts=int(time.time()) - 600))
    assert too_big.status_code == 413
    assert stale.status_code == 401


def test_signed_get_metrics(signing_client, secret: str) -> None:
    with signing_client("required") as client:
        response = client.get("/metrics", headers=signed(secret, b"", path="/metrics", method="GET"))
    assert response.status_code == 200 and "inference_requests_total" in response.text


def test_rotation_old_and_new_then_only_new(open_client, secret: str, other_secret: str) -> None:
    """Rotation: the container first accepts both secrets (the gateway switches over), then only the new one."""
    body = {"inputs": ["x"]}
    with open_client(secrets=f"{secret},{other_secret}") as client:
        assert client.post("/v1/infer", json=body, headers={"X-Inference-Secret": secret}).status_code == 200
        assert client.post("/v1/infer", json=body, headers={"X-Inference-Secret": other_secret}).status_code == 200
    with open_client(secrets=other_secret, previous_secrets=secret) as client:  # Secret Manager's two versions
        assert client.post("/v1/infer", json=body, headers={"X-Inference-Secret": secret}).status_code == 200
        assert client.post("/v1/infer", json=body, headers={"X-Inference-Secret": other_secret}).status_code == 200
    with open_client(secrets=other_secret, signing="optional") as client:
        assert client.post("/v1/infer", json=body, headers={"X-Inference-Secret": secret}).status_code == 401
        assert client.post("/v1/infer", content=BODY, headers=signed(secret)).status_code == 401
        assert client.post("/v1/infer", json=body, headers={"X-Inference-Secret": other_secret}).status_code == 200
        assert client.post("/v1/infer", content=BODY, headers=signed(other_secret)).status_code == 200


def test_probes_stay_public_in_required_mode(signing_client) -> None:
    with signing_client("required") as client:
        assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200

