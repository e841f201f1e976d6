"""Error answers: 422 for bad payloads (without echoing them), 413, 503 before the model is ready, 500 on failure."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.model.fake import FakeModel
from tests.conftest import formatted_log

LONG = "x" * 4001


@pytest.mark.parametrize(
    ("payload", "loc", "error_type"),
    [
        ({"inputs": []}, ["body", "inputs"], "too_short"),
        ({"inputs": ["x"] * 65}, ["body", "inputs"], "too_long"),
        ({"inputs": [""]}, ["body", "inputs", 0], "string_too_short"),
        ({"inputs": ["ok", LONG]}, ["body", "inputs", 1], "string_too_long"),
        ({"inputs": [1]}, ["body", "inputs", 0], "string_type"),
        ({"inputs": [None]}, ["body", "inputs", 0], "string_type"),
        ({"inputs": "not a list"}, ["body", "inputs"], "list_type"),
        ({"inputs": {"a": "b"}}, ["body", "inputs"], "list_type"),
        ({}, ["body", "inputs"], "missing"),
        ({"inputs": ["ok"], "extra": 1}, ["body", "extra"], "extra_forbidden"),
        (["ok"], ["body"], "model_attributes_type"),
    ],
)
def test_bad_payloads_get_422_naming_field_and_problem(
    client: TestClient, auth: dict, fake_model: FakeModel, payload: object, loc: list, error_type: str
) -> None:
    response = client.post("/v1/infer", json=payload, headers=auth)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert {"loc": loc, "type": error_type} in [{"loc": e["loc"], "type": e["type"]} for e in errors]
    assert all(e["msg"] and "input" not in e for e in errors)
    assert fake_model.calls == [["warm-up"]], "nothing invalid may reach the model"


def test_422_does_not_echo_inputs(client: TestClient, auth: dict) -> None:
    response = client.post("/v1/infer", json={"inputs": ["SENSITIVE" * 500]}, headers=auth)
    assert response.status_code == 422
    assert "SENSITIVE" not in response.text and len(response.text) < 500


@pytest.mark.parametrize("body", [b"not json", b'{"inputs": ["unterminated"', b""])
def test_invalid_json_gets_422(client: TestClient, auth: dict, body: bytes) -> None:
    response = client.post("/v1/infer", content=body, headers={**auth, "content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_oversized_body_gets_413(open_client, auth: dict) -> None:
    with open_client(max_body_bytes=2048, max_input_chars=100_000) as client:
        small = client.post("/v1/infer", json={"inputs": ["x" * 1000]}, headers=auth)
        big = client.post("/v1/infer", json={"inputs": ["x" * 3000]}, headers=auth)

        def chunks():  # no Content-Length: the cap must hold while streaming too
            for _ in range(10):
                yield b"x" * 512

        streamed = client.post(
            "/v1/infer", content=chunks(), headers={**auth, "content-type": "application/json"}
        )
    assert small.status_code == 200
    assert big.status_code == 413 and big.json() == {"detail": "request body too large"}
    assert streamed.status_code == 413


def test_unknown_route_with_secret_is_404(client: TestClient, auth: dict) -> None:
    assert client.get("/v1/nothing", headers=auth).status_code == 404
    assert client.get("/v1/infer", headers=auth).status_code == 405


def test_model_failure_is_500_without_exception_text(
    open_client, auth: dict, caplog: pytest.LogCaptureFixture
) -> None:
    model = FakeModel()
    with open_client(model=model) as client:
        model.fail_with = RuntimeError("boom: secret-ish detail about INPUT-TEXT")
        with caplog.at_level(logging.DEBUG):
            response = client.post("/v1/infer", json={"inputs": ["INPUT-TEXT"]}, headers=auth)
    assert response.status_code == 500
    assert response.json() == {"detail": "inference failed"}
    assert "boom" not in response.text
    log = formatted_log(caplog)
    assert '"error": "RuntimeError"' in log, "the failure is logged, with its type"
    assert "INPUT-TEXT" not in log and "boom" not in log


def test_wrong_number_of_outputs_is_500(open_client, auth: dict) -> None:
    model = FakeModel()
    with open_client(model=model) as client:
        model.drop_outputs = 1
        response = client.post("/v1/infer", json={"inputs": ["a", "b"]}, headers=auth)
    assert response.status_code == 500 and response.json() == {"detail": "inference failed"}


def test_not_ready_before_lifespan_is_503_but_alive(make_settings, auth: dict) -> None:
    app = create_app(make_settings(), model=FakeModel())
    client = TestClient(app)  # not entered: the lifespan has not run, no model is loaded
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json() == {"detail": "model not ready"}
    assert "retry-after" in ready.headers
    assert client.get("/healthz").status_code == 200
    assert client.post("/v1/infer", json={"inputs": ["x"]}, headers=auth).status_code == 503


def test_failed_warm_up_stops_start_up(make_settings) -> None:
    app = create_app(make_settings(), model=FakeModel(fail_with=RuntimeError("no")))
    with pytest.raises(RuntimeError), TestClient(app):
        pass
