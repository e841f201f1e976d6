"""Logging for the `inference.*` loggers: one JSON object per line (or plain text), never inputs or secrets.

Callers pass structured fields with `extra={...}`; only those fields and the message are written. Nothing in
the app ever puts a request's inputs, a secret or an exception's message (which may quote inputs) into a record.
"""

from __future__ import annotations

import json
import logging
import time

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Attributes every LogRecord has; anything else on a record came from `extra=` and is written as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def record_fields(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "severity": record.levelname,  # the key Cloud Logging reads
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record_fields(record).items():
            entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__  # the type only: the message may quote inputs
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(_TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        fields = record_fields(record)
        line = super().format(_without_exc(record))
        return line + ("" if not fields else " " + " ".join(f"{k}={v}" for k, v in fields.items()))


def _without_exc(record: logging.LogRecord) -> logging.LogRecord:
    if not record.exc_info:
        return record
    copy = logging.makeLogRecord(vars(record))
    copy.msg = f"{record.getMessage()} ({record.exc_info[0].__name__ if record.exc_info[0] else 'error'})"
    copy.args = None
    copy.exc_info = None
    copy.exc_text = None
    return copy


def configure_logging(level: int = logging.INFO, fmt: str = "json") -> None:
    """Give the app's loggers one handler (uvicorn only configures its own); records still propagate."""
    logger = logging.getLogger("inference")
    logger.setLevel(level)
    for handler in [h for h in logger.handlers if getattr(h, "_inference", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler._inference = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    # Keep propagating so pytest's caplog (on the root logger) sees the records; under uvicorn the root
    # logger has no handler, so nothing is printed twice.
    logger.propagate = True
