"""Every route but GET /healthz needs X-Inference-Secret, checked before the body is read or parsed."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.model.fake import FakeModel
from tests.conftest import formatted_log

UNAUTHORIZED = {"detail": "missing or invalid secret"}
VALID = {"inputs": ["hello"]}


def bad_headers(secret: str) -> list[dict[str, str]]:
    return [
        {},
        {"X-Inference-Secret": ""},
        {"X-Inference-Secret": "wrong-secret-0123456789"},
        {"X-Inference-Secret": secret[:-1]},  # a prefix of the right one
        {"X-Inference-Secret": secret + "x"},
        {"X-Inference-Secret": secret.upper()},
        {"X-Inference-Secret": "x" * 8000},  # very long
        {"X-Inference-Secret-2": secret},  # wrong header name
        {"Authorization": f"Bearer {secret}"},
    ]


@pytest.mark.parametrize("case", range(len(bad_headers("s"))))
def test_rejects_missing_or_wrong_secret(client: TestClient, fake_model: FakeModel, secret: str, case: int) -> None:
    headers = bad_headers(secret)[case]
    response = client.post("/v1/infer", json=VALID, headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert secret not in response.text and "x" * 100 not in response.text
    assert fake_model.calls == [["warm-up"]]


def test_accepts_either_rotated_secret(client: TestClient, secret: str, other_secret: str) -> None:
    for value in (secret, other_secret):
        assert client.post("/v1/infer", json=VALID, headers={"X-Inference-Secret": value}).status_code == 200


def test_header_name_is_case_insensitive(client: TestClient, secret: str) -> None:
    assert client.post("/v1/infer", json=VALID, headers={"x-inference-secret": secret}).status_code == 200


def test_repeated_header_is_rejected(client: TestClient, secret: str) -> None:
    headers = [("X-Inference-Secret", secret), ("X-Inference-Secret", secret)]
    assert client.post("/v1/infer", json=VALID, headers=headers).status_code == 401


@pytest.mark.parametrize("body", [b"not json", b'{"inputs": []}', b'{"inputs": [1], "x": 2}'])
def test_unauthenticated_malformed_body_is_401_not_422(client: TestClient, body: bytes) -> None:
    response = client.post("/v1/infer", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 401 and response.json() == UNAUTHORIZED


def test_unauthenticated_oversized_body_is_401_not_413(open_client) -> None:
    with open_client(max_body_bytes=1024) as client:
        response = client.post("/v1/infer", content=b"x" * 5000)
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
def test_docs_are_off(client: TestClient, auth: dict, path: str) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers=auth).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/"), ("GET", "/v1/infer"), ("POST", "/healthz"), ("GET", "/healthz/")]
)
def test_other_paths_need_the_secret_too(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, path).status_code == 401


def test_secret_never_logged(open_client, secret: str, caplog: pytest.LogCaptureFixture) -> None:
    model = FakeModel()
    with caplog.at_level(logging.DEBUG), open_client(model=model) as client:
        client.post("/v1/infer", json={"inputs": ["PRIVATE-INPUT"]}, headers={"X-Inference-Secret": secret})
        client.post("/v1/infer", json={"inputs": ["x"]}, headers={"X-Inference-Secret": secret[:-1]})
        model.fail_with = ValueError(secret)
        client.post("/v1/infer", json={"inputs": ["PRIVATE-INPUT"]}, headers={"X-Inference-Secret": secret})
    log = formatted_log(caplog)
    assert '"message": "ready"' in log and '"status": 401' in log  # logging was captured at all
    assert secret not in log and secret[:-1] not in log
    assert "PRIVATE-INPUT" not in log
