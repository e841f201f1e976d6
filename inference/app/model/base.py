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

    Implementations need not be thread-safe: the runner (app/batching) calls `predict` from one worker thread at
    a time. The split into three steps is where dynamic batching and other backends plug in later.
    """

    name: str
    version: str
    device: str

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
