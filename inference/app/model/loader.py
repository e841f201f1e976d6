"""Builds the configured model: the one place that knows which `Model` implementation serves requests."""

from __future__ import annotations

import hashlib
import importlib
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


def import_model_class(spec: str) -> type[Model]:
    """`package.module:Class` -> the class, which must subclass `Model`."""
    module_name, _, class_name = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        raise ModelLoadError(f"INFERENCE_MODEL_CLASS={spec}: cannot import it ({type(exc).__name__})") from None
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise ModelLoadError(f"INFERENCE_MODEL_CLASS={spec} is not a subclass of app.model.base.Model")
    return cls


def load_model(settings: Settings) -> Model:
    if settings.model_class:
        started = time.monotonic()
        model = import_model_class(settings.model_class).from_settings(settings)
        logger.info("model loaded", extra={"class": settings.model_class, "model": model.name,
                                           "version": model.version, "device": model.device,
                                           "seconds": round(time.monotonic() - started, 2)})
        return model
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
        half_precision=settings.half_precision,
    )
    logger.info(
        "model loaded",
        extra={"model": model.name, "version": model.version, "device": model.device, "dtype": model.dtype,
               "labels": ",".join(model.labels), "max_length": model.max_length,
               "threads": settings.torch_threads, "seconds": round(time.monotonic() - started, 2)},
    )
    return model
