"""The real server over HTTP with the real default model: health, secret, predictions, validation, logs."""

from __future__ import annotations

import json
import math

import httpx2 as httpx

from app.core.security import SECRET_HEADER


def infer(http: httpx.Client, secret: str, inputs: list[str]) -> httpx.Response:
    return http.post("/v1/infer", json={"inputs": inputs}, headers={SECRET_HEADER: secret})


def test_readyz_reports_the_loaded_model(http: httpx.Client, server) -> None:
    assert http.get("/healthz").json() == {"status": "alive"}
    response = http.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["device"] in ("cpu", "cuda")
    assert body["model"] == server.model_dir.name and body["model_version"].startswith("sha256-")


def test_requests_without_the_secret_get_401(http: httpx.Client) -> None:
    for headers in ({}, {SECRET_HEADER: "wrong-wrong-wrong-wrong"}):
        response = http.post("/v1/infer", content=b"{not json", headers=headers)
        assert response.status_code == 401 and response.json() == {"detail": "missing or invalid secret"}
    assert http.get("/openapi.json").status_code == 401


def test_real_prediction(http: httpx.Client, server) -> None:
    config = json.loads((server.model_dir / "config.json").read_text())
    labels = set(config["id2label"].values())
    inputs = ["the film was great", "the food was awful", "a" * 4000, "日本語のテキスト", "ok"]
    response = infer(http, server.secret, inputs)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == server.model_dir.name and body["model_version"].startswith("sha256-")
    assert len(body["outputs"]) == len(inputs)
    for output in body["outputs"]:
        assert set(output) == {"label", "score"} and output["label"] in labels
        # The score is the top softmax probability: at least 1/len(labels), at most 1.
        assert 1 / len(labels) - 1e-6 <= output["score"] <= 1 + 1e-6 and math.isfinite(output["score"])
    # The default model was trained on exactly these words.
    assert [o["label"] for o in body["outputs"][:2]] == ["positive", "negative"]


def test_prediction_is_deterministic_and_independent_of_the_batch(http: httpx.Client, server) -> None:
    alone = infer(http, server.secret, ["the service was slow"]).json()["outputs"][0]
    again = infer(http, server.secret, ["the service was slow"]).json()["outputs"][0]
    batched = infer(http, server.secret, ["x " * 300, "the service was slow", "y"]).json()["outputs"][1]
    assert alone == again
    assert alone["label"] == batched["label"] and abs(alone["score"] - batched["score"]) < 1e-4  # padding


def test_second_rotated_secret_works(http: httpx.Client, server) -> None:
    assert infer(http, "second-" + server.secret, ["good"]).status_code == 200


def test_invalid_payload_gets_422(http: httpx.Client, server) -> None:
    response = http.post("/v1/infer", json={"inputs": []}, headers={SECRET_HEADER: server.secret})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "inputs"]
    response = http.post("/v1/infer", json={"inputs": ["x" * 4001]}, headers={SECRET_HEADER: server.secret})
    assert response.status_code == 422 and "xxxx" not in response.text


def test_oversized_body_gets_413(http: httpx.Client, server) -> None:
    body = json.dumps({"inputs": ["x" * 4000] * 300}).encode()  # ~1.2 MB > 1 MiB default cap
    headers = {SECRET_HEADER: server.secret, "content-type": "application/json"}
    response = http.post("/v1/infer", content=body, headers=headers)
    assert response.status_code == 413


def test_server_log_holds_no_secret_and_no_input(http: httpx.Client, server) -> None:
    infer(http, server.secret, ["PRIVATE-E2E-INPUT"])
    http.post("/v1/infer", json={"inputs": ["x"]}, headers={SECRET_HEADER: server.secret[:-1]})
    log = server.log()
    app_lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(e["message"] == "model loaded" for e in app_lines)
    assert {"method": "POST", "path": "/v1/infer", "status": 200} in [
        {k: e.get(k) for k in ("method", "path", "status")} for e in app_lines
    ]
    assert server.secret not in log and server.secret[:-1] not in log and "PRIVATE-E2E-INPUT" not in log


def test_concurrent_requests_are_batched_and_answered_one_to_one(http: httpx.Client, server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"the film was {w} #{i}" for i, w in enumerate(["great", "awful"] * 12)]
    alone = {t: infer(http, server.secret, [t]).json()["outputs"][0] for t in texts[:2]}
    before = model_calls(http, server)
    with ThreadPoolExecutor(max_workers=24) as pool:
        responses = list(pool.map(lambda t: infer(http, server.secret, [t, "ok"]), texts))
    assert all(r.status_code == 200 for r in responses)
    for text, response in zip(texts, responses, strict=True):
        outputs = response.json()["outputs"]
        assert len(outputs) == 2 and outputs[0]["label"] == ("positive" if "great" in text else "negative")
    for text, single in alone.items():
        batched = responses[texts.index(text)].json()["outputs"][0]
        assert batched["label"] == single["label"] and abs(batched["score"] - single["score"]) < 1e-4
    calls = model_calls(http, server) - before
    assert calls < len(texts), f"{len(texts)} concurrent requests took {calls} model calls: nothing was merged"


def model_calls(http: httpx.Client, server) -> float:
    metrics = http.get("/metrics", headers={SECRET_HEADER: server.secret}).text
    line = next(x for x in metrics.splitlines() if x.startswith("inference_batch_size_requests_count"))
    return float(line.split()[-1])
