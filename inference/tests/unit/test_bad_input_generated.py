"""Generated bad input against POST /v1/infer (hypothesis, >= 1,000 payloads in all): wrong types, huge
strings, deep nesting, unicode edge cases, prototype-pollution keys, raw bytes. Every one gets 422 (or 413 when
the body is over the cap, 400 for bytes that are not UTF-8), never a 500, and none reaches the model."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.fake import FakeModel

MAX_INPUTS = 64
MAX_CHARS = 4000
EXAMPLES = 400  # per test; three tests: 1,200 payloads

unicode_edges = st.sampled_from(
    ["\ud800", "\udfff", "a\ud83d", "\u202e", "\u200b", "\ufeff", "\u0000", "😀", "e\u0301", "\U0010ffff"]
)
texts = st.one_of(st.text(max_size=30), unicode_edges, st.text(min_size=MAX_CHARS + 1, max_size=MAX_CHARS + 50))
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts)
keys = st.one_of(st.text(max_size=8), st.sampled_from(["__proto__", "constructor", "inputs"]))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=20,
)


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_valid_request(payload: Any) -> bool:
    """The server's own rule: only {"inputs": [1..64 non-empty strings of <= 4000 chars]}, valid Unicode."""
    if not isinstance(payload, dict) or set(payload) != {"inputs"}:
        return False
    inputs = payload["inputs"]
    return (
        isinstance(inputs, list)
        and 1 <= len(inputs) <= MAX_INPUTS
        and all(isinstance(t, str) and 1 <= len(t) <= MAX_CHARS and encodable(t) for t in inputs)
    )


def deeply_nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return {"inputs": value}


bad_payloads = st.one_of(
    json_values,
    st.builds(lambda v: {"inputs": v}, json_values),
    st.builds(lambda items: {"inputs": items}, st.lists(texts, min_size=0, max_size=70)),
    st.builds(
        lambda extra, v: {"inputs": ["ok"], extra: v},
        st.sampled_from(["__proto__", "constructor", "model"]),
        json_values,
    ),
    st.builds(deeply_nested, st.integers(min_value=2, max_value=200)),
).filter(lambda p: not is_valid_request(p))

relaxed = settings(
    max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def post(client: TestClient, auth: dict[str, str], body: bytes):
    return client.post("/v1/infer", content=body, headers={**auth, "content-type": "application/json"})


def assert_refused_without_model(
    client: TestClient, auth: dict[str, str], model: FakeModel, body: bytes, allowed: tuple[int, ...] = (413, 422)
) -> None:
    before = model.entered
    response = post(client, auth, body)
    assert response.status_code in allowed, (response.status_code, body[:200])
    assert model.entered == before
    for secret in auth.values():
        assert secret not in response.text


@relaxed
@given(bad_payloads)
def test_generated_bad_json_is_refused_with_422(
    client: TestClient, auth: dict, fake_model: FakeModel, payload: Any
) -> None:
    assert_refused_without_model(client, auth, fake_model, json.dumps(payload, ensure_ascii=True).encode())


@relaxed
@given(st.binary(max_size=300))
def test_generated_raw_bytes_are_refused(client: TestClient, auth: dict, fake_model: FakeModel, body: bytes) -> None:
    try:
        if is_valid_request(json.loads(body)):
            return
    except (ValueError, UnicodeDecodeError):
        pass
    # Bytes that are not UTF-8 at all get 400 (the body cannot be read as text); JSON that is wrong, 422.
    assert_refused_without_model(client, auth, fake_model, body, allowed=(400, 413, 422))


@relaxed
@given(st.lists(texts, min_size=1, max_size=MAX_INPUTS))
def test_generated_edge_strings_are_answered_or_refused_never_500(
    client: TestClient, auth: dict, fake_model: FakeModel, inputs: list[str]
) -> None:
    """Valid-looking lists of edge-case strings: 200 with one output each when they are valid, else 422."""
    payload = {"inputs": inputs}
    before = fake_model.entered
    response = post(client, auth, json.dumps(payload).encode())
    if is_valid_request(payload):
        assert response.status_code == 200
        assert len(response.json()["outputs"]) == len(inputs)
    else:
        assert response.status_code == 422
        assert fake_model.entered == before
