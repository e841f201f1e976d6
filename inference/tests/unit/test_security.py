"""The secret check on its own: any accepted secret passes, everything else fails, length does not matter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.security import SecretVerifier

A = b"a-first-secret-0123456"
B = b"b-second-secret-789012"


@pytest.fixture
def verifier() -> SecretVerifier:
    return SecretVerifier([A, B])


def test_accepts_each_rotated_secret(verifier: SecretVerifier) -> None:
    assert verifier.verify(A) and verifier.verify(B)


@pytest.mark.parametrize(
    "presented",
    [None, b"", A[:-1], A + b"x", A[:8], A.upper(), b" " + A, A + B, b"x" * 100_000, A.replace(b"a", b"b", 1)],
)
def test_rejects_anything_else(verifier: SecretVerifier, presented: bytes | None) -> None:
    assert verifier.verify(presented) is False


@given(st.binary(max_size=64))
def test_rejects_arbitrary_bytes(presented: bytes) -> None:
    verifier = SecretVerifier([A, B])
    assert verifier.verify(presented) is (presented in (A, B))


def test_needs_an_accepted_secret() -> None:
    with pytest.raises(ValueError):
        SecretVerifier([])
