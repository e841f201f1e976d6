"""Builds the configured model: the one place that knows which `Model` implementation serves requests."""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

from app.core.settings import Settings
from app.model.base import Model

logger = logging.getLogger("inference.model")

REQUIRED_FILES = ("config.json",)


class ModelLoadError(RuntimeError):
    pass


def content_version(model_dir: Path) -> str:
    """A version that changes whenever any file of the model changes: sha256 over file names and contents."""
    digest = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(model_dir)).encode() + b"\0")
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return "sha256-" + digest.hexdigest()[:12]


def load_model(settings: Settings) -> Model:
    model_dir = settings.model_dir.expanduser().resolve()
    missing = [name for name in REQUIRED_FILES if not (model_dir / name).is_file()]
    if missing:
        raise ModelLoadError(
            f"no model in {model_dir} (missing {', '.join(missing)}): run scripts/build_default_model.py "
            "or point INFERENCE_MODEL_DIR at a directory saved with save_pretrained"
        )
    # Imported here so that importing the app (and the unit tests with the fake model) does not import torch.
    from app.model.transformer import TransformerClassifier

    started = time.monotonic()
    model = TransformerClassifier(
        model_dir,
        name=settings.model_name or model_dir.name,
        version=settings.model_version or content_version(model_dir),
        device=settings.device,
        torch_threads=settings.torch_threads,
    )
    logger.info(
        "model loaded: name=%s version=%s device=%s labels=%s max_length=%d threads=%d in %.1fs",
        model.name, model.version, model.device, model.labels, model.max_length, settings.torch_threads,
        time.monotonic() - started,
    )
    return model
