"""Response bodies as JSON bytes, built directly: orjson when installed, else the standard library.

`POST /v1/infer` answers with these bytes in a plain `Response` instead of a pydantic response model, which
saves FastAPI's response validation and serialisation on every request (the body is the same: compact JSON,
UTF-8, non-finite floats as null).
"""

from __future__ import annotations

import json
import math
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None  # type: ignore[assignment]


def _dumps_std(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def dumps(value: Any) -> bytes:
    if orjson is not None:
        return orjson.dumps(value)
    return _dumps_std(value)


def finite(score: float) -> float | None:
    """pydantic and orjson write NaN and infinities as null; the standard library would write invalid JSON."""
    return score if math.isfinite(score) else None
