"""The model seam: `Model` and `Prediction` (base), the default transformer, a fake for tests."""

from app.model.base import Model, Prediction

__all__ = ["Model", "Prediction"]
