"""The default model: any Hugging Face sequence-classification model saved with `save_pretrained` in a local dir."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as hf_logging

from app.model.base import Model, Prediction


def resolve_device(requested: str) -> torch.device:
    """`auto` means CUDA when this process can see a GPU, else CPU; `cuda` without a GPU is a start-up error."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("INFERENCE_DEVICE=cuda but no CUDA device is available to torch")
    return torch.device(requested)


class TransformerClassifier(Model):
    """Tokenize (padding, truncation to the model's maximum length) → forward in inference mode → softmax.

    Each input gets the most probable label (from `config.id2label`) and its probability. Not thread-safe by
    design; the lock only makes misuse safe, the runner already serialises calls.
    """

    def __init__(
        self,
        model_dir: Path,
        *,
        name: str,
        version: str,
        device: str = "auto",
        torch_threads: int = 1,
        half_precision: str = "auto",
    ) -> None:
        hf_logging.disable_progress_bar()  # no progress bars in server logs
        torch.set_num_threads(torch_threads)
        # Inter-op threads only matter for graphs with parallel branches; one keeps the pool from competing.
        with contextlib.suppress(RuntimeError):  # may only be set once per process
            torch.set_num_interop_threads(1)
        self._device = resolve_device(device)
        self.name = name
        self.version = version
        self.device = self._device.type
        # local_files_only: never reach for the Hub, even if the directory is incomplete.
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.model = AutoModelForSequenceClassification.from_pretrained(model_dir, local_files_only=True)
        self.model.to(self._device)
        # fp16 halves memory and uses the GPU's tensor cores; on CPU it is slow or unsupported, so never there.
        # Softmax runs in float32 either way (forward), so scores keep their precision.
        if half_precision == "on" or (half_precision == "auto" and self._device.type == "cuda"):
            if self._device.type != "cuda":
                raise RuntimeError("INFERENCE_HALF_PRECISION=on needs a CUDA device")
            self.model.half()
        self.dtype = str(next(self.model.parameters()).dtype).removeprefix("torch.")
        self.model.eval()
        config = self.model.config
        self.labels = [str(config.id2label[i]) for i in range(config.num_labels)]
        # Tokenizers without a configured limit report a huge sentinel; the position embeddings bound it anyway.
        limits = (getattr(config, "max_position_embeddings", None), self.tokenizer.model_max_length)
        self.max_length = min((v for v in limits if isinstance(v, int) and 0 < v < 1_000_000), default=512)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> TransformerClassifier:
        """What the loader does by default; lets INFERENCE_MODEL_CLASS name this class explicitly too."""
        from app.model.loader import content_version

        model_dir = Path(settings.model_dir).expanduser().resolve()
        return cls(
            model_dir, name=settings.model_name or model_dir.name,
            version=settings.model_version or content_version(model_dir), device=settings.device,
            torch_threads=settings.torch_threads, half_precision=settings.half_precision,
        )

    def preprocess(self, texts: list[str]) -> dict[str, torch.Tensor]:
        encoded = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        return {key: tensor.to(self._device) for key, tensor in encoded.items()}

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        with self._lock, torch.inference_mode():
            logits = self.model(**batch).logits
            return torch.softmax(logits.float(), dim=-1).cpu()

    def postprocess(self, outputs: Any) -> list[Prediction]:
        scores, indices = outputs.max(dim=-1)
        return [
            Prediction(label=self.labels[index], score=float(score))
            for score, index in zip(scores.tolist(), indices.tolist(), strict=True)
        ]

    def close(self) -> None:
        del self.model
        if self._device.type == "cuda":
            torch.cuda.empty_cache()
