"""Container settings, read from `INFERENCE_*` environment variables; refuses to start with unsafe secrets."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

INFERENCE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_DIR = INFERENCE_ROOT / "models" / "default"

MIN_SECRET_CHARS = 16
# Values that appear in examples and templates. A secret that contains one of these was copied, not generated.
PLACEHOLDER_MARKERS = ("changeme", "change-me", "change_me", "changethis", "replace-with", "placeholder", "example")


class SettingsError(RuntimeError):
    """The environment does not describe a safe, usable configuration. The message never contains a secret."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INFERENCE_",
        extra="ignore",
        frozen=True,
        # Validation errors would otherwise print the rejected value, i.e. a (too short) secret.
        hide_input_in_errors=True,
    )

    # Comma-separated so that two secrets can be accepted at once while the gateway rotates to the new one.
    secrets: Annotated[tuple[SecretStr, ...], NoDecode] = Field(min_length=1)
    model_dir: Path = DEFAULT_MODEL_DIR
    # Optional overrides of what /healthz and responses report; by default the directory name and a content hash.
    model_name: str | None = None
    model_version: str | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # torch intra-op threads. Model calls run one at a time on one worker thread, so this may use every core;
    # several concurrent calls with several threads each would oversubscribe the CPU instead.
    torch_threads: int = Field(default=2, ge=1, le=256)
    max_inputs: int = Field(default=64, ge=1, le=10_000)
    max_input_chars: int = Field(default=4000, ge=1, le=1_000_000)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)

    @field_validator("secrets", mode="before")
    @classmethod
    def _split_and_check_secrets(cls, value: object) -> tuple[str, ...]:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str):
            items = [part.strip() for part in value.split(",")]
        elif isinstance(value, (list, tuple)):
            items = [(v.get_secret_value() if isinstance(v, SecretStr) else str(v)).strip() for v in value]
        else:
            raise ValueError("must be a comma-separated string of secrets")
        items = [item for item in items if item]
        if not items:
            raise ValueError("set at least one secret (comma-separated to accept several during rotation)")
        for index, item in enumerate(items):
            # Messages name the position only, never the value.
            if len(item) < MIN_SECRET_CHARS:
                raise ValueError(f"secret #{index + 1} is shorter than {MIN_SECRET_CHARS} characters")
            if not (item.isascii() and item.isprintable()) or " " in item:
                raise ValueError(f"secret #{index + 1} must be printable ASCII without spaces (it travels in a header)")
            lowered = item.lower()
            if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
                raise ValueError(f"secret #{index + 1} is a placeholder; generate one, e.g. `openssl rand -hex 32`")
        return tuple(dict.fromkeys(items))

    @field_validator("model_dir")
    @classmethod
    def _anchor_model_dir(cls, value: Path) -> Path:
        """Relative paths are relative to inference/, so the server finds the model from any working directory."""
        value = value.expanduser()
        return value if value.is_absolute() else INFERENCE_ROOT / value

    def secret_bytes(self) -> tuple[bytes, ...]:
        return tuple(secret.get_secret_value().encode("ascii") for secret in self.secrets)


def load_settings(**overrides: object) -> Settings:
    """Build `Settings` from the environment (plus overrides), turning validation errors into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_input=False, include_url=False):
            field = str(error["loc"][0]) if error["loc"] else "?"
            message = "is required" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
            lines.append(f"INFERENCE_{field.upper()}: {message}")
        raise SettingsError("invalid inference settings:\n  " + "\n  ".join(lines)) from None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once (the app factory uses it when no settings are passed in)."""
    return load_settings()
