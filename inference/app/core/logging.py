"""Logging for the `inference.*` loggers. Nothing logged here ever contains request inputs or secrets."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    """Give the app's loggers a handler once (uvicorn only configures its own); records still propagate."""
    logger = logging.getLogger("inference")
    logger.setLevel(level)
    if not any(getattr(h, "_inference", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler._inference = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        # Keep propagating so pytest's caplog (on the root logger) sees the records; under uvicorn the root
        # logger has no handler, so nothing is printed twice.
        logger.propagate = True
