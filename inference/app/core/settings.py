"""Container settings, read from `INFERENCE_*` environment variables; refuses to start with unsafe secrets."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

INFERENCE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_DIR = INFERENCE_ROOT / "models" / "default"

MIN_SECRET_CHARS = 16
# Values that appear in examples and templates. A secret that contains one of these was copied, not generated.
PLACEHOLDER_MARKERS = ("changeme", "change-me", "change_me", "changethis", "replace-with", "placeholder", "example")


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


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
    # Still accepted during a rotation (Secret Manager: the previous version, mounted as its own variable);
    # the gateway signs with or sends the new one in INFERENCE_SECRETS.
    previous_secrets: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    model_dir: Path = DEFAULT_MODEL_DIR
    # Optional overrides of what /healthz and responses report; by default the directory name and a content hash.
    model_name: str | None = None
    model_version: str | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # torch intra-op threads for the one model worker. Default: the usable cores minus one, which stays free for
    # the event loop (HTTP, JSON, batching); on 2 cores, 2 threads + the event loop oversubscribe and a forward
    # can stall for tens of ms whenever anything else runs (measured: bench/README.md).
    torch_threads: int = Field(default_factory=lambda: max(1, _usable_cpus() - 1), ge=1, le=256)
    max_inputs: int = Field(default=64, ge=1, le=10_000)
    max_input_chars: int = Field(default=4000, ge=1, le=1_000_000)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # Which `Model` serves requests: "package.module:Class" (a subclass of app.model.base.Model, built with its
    # `from_settings`); unset = the Hugging Face classifier in `model_dir`.
    model_class: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    # fp16 weights on CUDA ("auto" = on when the model runs on a GPU; never on CPU, where fp16 is slow or absent).
    half_precision: Literal["auto", "on", "off"] = "auto"

    # Dynamic micro-batching (app/batching/batcher.py). Off = one request per model call (the benchmark baseline).
    batching: bool = True
    max_batch_items: int = Field(default=32, ge=1, le=4096)
    max_wait_ms: float = Field(default=2.0, ge=0, le=1000)
    # Bounded queue, in inputs (not requests): beyond it requests get 503 + Retry-After instead of piling up.
    max_queue_items: int = Field(default=512, ge=1, le=1_000_000)
    # A request that waited longer than this in the queue is dropped, not computed (the caller has likely gone).
    max_queue_ms: int = Field(default=10_000, ge=1, le=600_000)
    retry_after_s: int = Field(default=1, ge=1, le=3600)
    # How long shutdown waits for queued and running batches to finish.
    drain_timeout_s: float = Field(default=10.0, ge=0, le=600)

    # HMAC request signing (core/signing.py): off = the secret header only; optional = a signed request or the
    # secret header; required = a valid signature on every request (the secret header alone is refused).
    signing: Literal["off", "optional", "required"] = "off"
    signing_window_s: int = Field(default=60, ge=1, le=3600)
    # Replay protection keeps each accepted signature until it expires; beyond this many, requests are refused.
    signing_max_seen: int = Field(default=200_000, ge=100, le=10_000_000)

    log_format: Literal["json", "text"] = "json"

    @field_validator("previous_secrets", mode="before")
    @classmethod
    def _split_and_check_previous(cls, value: object) -> tuple[str, ...]:
        if value in (None, "", ()):
            return ()
        return cls._split_and_check_secrets(value)

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

    @model_validator(mode="after")
    def _queue_holds_a_request(self) -> Settings:
        if self.max_queue_items < self.max_inputs:
            raise ValueError("INFERENCE_MAX_QUEUE_ITEMS must be at least INFERENCE_MAX_INPUTS (one full request)")
        return self

    def secret_bytes(self) -> tuple[bytes, ...]:
        """Every accepted secret: the current ones, then those still accepted during a rotation."""
        values = (secret.get_secret_value().encode("ascii") for secret in (*self.secrets, *self.previous_secrets))
        return tuple(dict.fromkeys(values))


def load_settings(**overrides: object) -> Settings:
    """Build `Settings` from the environment (plus overrides), turning validation errors into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_input=False, include_url=False):
            message = "is required" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
            # Errors about one field name it; checks across fields already name theirs in the message.
            lines.append(f"INFERENCE_{str(error['loc'][0]).upper()}: {message}" if error["loc"] else message)
        raise SettingsError("invalid inference settings:\n  " + "\n  ".join(lines)) from None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once (the app factory uses it when no settings are passed in)."""
    return load_settings()
