"""Settings refuse to start without safe secrets, parse rotation lists, and never show a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.settings import DEFAULT_MODEL_DIR, Settings, SettingsError, load_settings

GOOD = "0123456789abcdef0123"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "is required"),
        ("", "at least one secret"),
        (" , ,", "at least one secret"),
        ("short-secret", "shorter than 16"),
        (f"{GOOD},tooshort", "secret #2 is shorter than 16"),
        ("changeme", "shorter than 16"),
        ("changeme-changeme-changeme", "placeholder"),
        ("replace-with-a-long-random-secret", "placeholder"),
        ("0123456789abcdef 0123", "printable ASCII"),
        ("0123456789abcdef\u00e9\u00e9\u00e9", "printable ASCII"),
    ],
)
def test_refuses_unsafe_secrets(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str) -> None:
    if value is not None:
        monkeypatch.setenv("INFERENCE_SECRETS", value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "INFERENCE_SECRETS" in message and expected in message
    if value:
        for part in value.split(","):
            if part.strip():
                assert part.strip() not in message, "the error message must not echo a secret"


def test_reads_rotation_list_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFERENCE_SECRETS", f" {GOOD} , {GOOD[::-1]} ,{GOOD}")
    settings = load_settings()
    assert settings.secret_bytes() == (GOOD.encode(), GOOD[::-1].encode())  # trimmed, deduplicated, in order
    assert settings.model_dir == DEFAULT_MODEL_DIR
    assert Path(__file__).resolve().parents[2] / "models" / "default" == DEFAULT_MODEL_DIR
    assert (settings.device, settings.max_inputs, settings.max_input_chars) == ("auto", 64, 4000)
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.torch_threads >= 1


def test_reads_other_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key, value in {
        "SECRETS": GOOD, "MODEL_DIR": str(tmp_path), "DEVICE": "cpu", "TORCH_THREADS": "3",
        "MAX_INPUTS": "5", "MAX_INPUT_CHARS": "10", "MAX_BODY_BYTES": "2048",
    }.items():
        monkeypatch.setenv(f"INFERENCE_{key}", value)
    settings = load_settings()
    assert (settings.model_dir, settings.device, settings.torch_threads) == (tmp_path, "cpu", 3)
    assert (settings.max_inputs, settings.max_input_chars, settings.max_body_bytes) == (5, 10, 2048)


@pytest.mark.parametrize(("key", "value"), [("DEVICE", "tpu"), ("TORCH_THREADS", "0"), ("MAX_INPUTS", "-1")])
def test_refuses_invalid_values(monkeypatch: pytest.MonkeyPatch, key: str, value: str) -> None:
    monkeypatch.setenv("INFERENCE_SECRETS", GOOD)
    monkeypatch.setenv(f"INFERENCE_{key}", value)
    with pytest.raises(SettingsError, match=f"INFERENCE_{key}"):
        load_settings()


def test_secrets_are_masked_in_repr_and_str() -> None:
    settings = Settings(secrets=GOOD)  # type: ignore[arg-type]
    assert GOOD not in repr(settings) and GOOD not in str(settings)
    assert GOOD not in repr(settings.model_dump())


def test_previous_secrets_are_accepted_during_a_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFERENCE_SECRETS", GOOD)
    monkeypatch.setenv("INFERENCE_PREVIOUS_SECRETS", f"{GOOD[::-1]},{GOOD}")
    assert load_settings().secret_bytes() == (GOOD.encode(), GOOD[::-1].encode())
    monkeypatch.setenv("INFERENCE_PREVIOUS_SECRETS", "short")
    with pytest.raises(SettingsError, match="INFERENCE_PREVIOUS_SECRETS") as info:
        load_settings()
    assert "short" not in str(info.value).replace("shorter", "")
    monkeypatch.setenv("INFERENCE_PREVIOUS_SECRETS", "")
    assert load_settings().secret_bytes() == (GOOD.encode(),)
