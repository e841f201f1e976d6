"""The model seam: what the API needs from a model, whatever framework runs it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    score: float


class Model(ABC):
    """A text classifier. `predict` is preprocess → forward → postprocess, one `Prediction` per text, in order.

    The batcher (app/batching) concatenates the inputs of several requests into one `predict` call and splits
    the outputs back by position, so `predict` must return exactly one prediction per text, in order; it is
    called from one worker thread at a time, so implementations need not be thread-safe.

    A model of your own plugs in by configuration: `INFERENCE_MODEL_CLASS=package.module:Class` names a subclass
    whose `from_settings(settings)` builds it (it can read `settings.model_dir`, `settings.device`, ...).
    """

    name: str
    version: str
    device: str

    @classmethod
    def from_settings(cls, settings: Any) -> Model:
        """Build the model from `app.core.settings.Settings`. The default takes no arguments."""
        return cls()

    def predict(self, texts: list[str]) -> list[Prediction]:
        return self.postprocess(self.forward(self.preprocess(texts)))

    @abstractmethod
    def preprocess(self, texts: list[str]) -> Any: ...

    @abstractmethod
    def forward(self, batch: Any) -> Any: ...

    @abstractmethod
    def postprocess(self, outputs: Any) -> list[Prediction]: ...

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release resources (GPU memory, files); called once at shutdown."""
