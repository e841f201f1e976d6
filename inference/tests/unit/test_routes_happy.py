"""POST /v1/infer and GET /healthz with the fake model: shapes, order, one output per input."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.fake import FakeModel


def test_infer_returns_one_output_per_input_in_order(client: TestClient, auth: dict, fake_model: FakeModel) -> None:
    inputs = ["a good day", "a bad day", "GOOD!", "meh"]
    response = client.post("/v1/infer", json={"inputs": inputs}, headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"outputs", "model", "model_version"}
    assert (body["model"], body["model_version"]) == ("fake", "fake-1")
    assert [o["label"] for o in body["outputs"]] == ["positive", "negative", "positive", "negative"]
    assert all(set(o) == {"label", "score"} and 0.5 <= o["score"] <= 1 for o in body["outputs"])
    assert fake_model.calls[-1] == inputs  # passed through unchanged, as one batch


def test_infer_is_deterministic(client: TestClient, auth: dict) -> None:
    first = client.post("/v1/infer", json={"inputs": ["same text"]}, headers=auth).json()
    second = client.post("/v1/infer", json={"inputs": ["same text"]}, headers=auth).json()
    assert first == second


def test_limits_are_inclusive(open_client, auth: dict) -> None:
    with open_client(max_inputs=3, max_input_chars=5) as client:
        response = client.post("/v1/infer", json={"inputs": ["12345", "é" * 5, "x"]}, headers=auth)
    assert response.status_code == 200 and len(response.json()["outputs"]) == 3


def test_probes_answer_without_secret(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model": "fake", "model_version": "fake-1", "device": "cpu"}
    assert client.get("/healthz").json() == {"status": "alive"}


def test_lifespan_warms_up_once_and_closes_the_model(open_client) -> None:
    model = FakeModel()
    with open_client(model=model):
        assert model.calls == [["warm-up"]] and not model.closed
    assert model.closed


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=1, max_size=50), min_size=1, max_size=64))
def test_any_valid_batch_maps_one_to_one(client: TestClient, auth: dict, inputs: list[str]) -> None:
    response = client.post("/v1/infer", json={"inputs": inputs}, headers=auth)
    assert response.status_code == 200
    labels = [o["label"] for o in response.json()["outputs"]]
    assert labels == ["positive" if "good" in text.lower() else "negative" for text in inputs]
