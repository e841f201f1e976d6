"""Prometheus metrics, one registry per app (tests build many apps), served on /metrics behind the secret.

Nothing here carries inputs or secrets: labels are fixed, small sets (outcome, reason).
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

# HTTP status of POST /v1/infer -> outcome label.
_OUTCOMES = {200: "ok", 401: "unauthorized", 413: "rejected", 422: "rejected", 400: "rejected", 500: "failed",
             503: "unavailable", 429: "unavailable"}


def outcome_for(status: int) -> str:
    return _OUTCOMES.get(status, "other")


class Metrics:
    """The app's instruments; also the batcher's `BatchObserver`."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "inference_requests", "POST /v1/infer requests by outcome (ok, unauthorized, rejected, unavailable, "
            "failed).", ["outcome"], registry=r)
        self.request_seconds = Histogram(
            "inference_request_seconds", "POST /v1/infer time in the app, from the first byte to the response.",
            buckets=LATENCY_BUCKETS, registry=r)
        self.rejections = Counter(
            "inference_queue_rejections", "Requests the batcher refused or dropped, by reason (queue_full, "
            "deadline, cancelled).", ["reason"], registry=r)
        self.batch_items = Histogram(
            "inference_batch_size_items", "Inputs per model call.", buckets=BATCH_BUCKETS, registry=r)
        self.batch_requests = Histogram(
            "inference_batch_size_requests", "Requests merged into one model call.", buckets=BATCH_BUCKETS,
            registry=r)
        self.batch_seconds = Histogram(
            "inference_batch_seconds", "Model call time (preprocess + forward + postprocess).",
            buckets=LATENCY_BUCKETS, registry=r)
        self.batch_failures = Counter("inference_batch_failures", "Model calls that failed.", registry=r)
        self.queue_wait_seconds = Histogram(
            "inference_queue_wait_seconds", "Time a request waited before its model call started.",
            buckets=LATENCY_BUCKETS, registry=r)
        self.queue_depth = Gauge("inference_queue_depth_items", "Inputs waiting in the queue.", registry=r)
        self.worker_alive = Gauge("inference_worker_alive", "1 while the batching worker runs.", registry=r)

    def bind(self, queued_items: Callable[[], float], alive: Callable[[], bool]) -> None:
        """Read the gauges from the live batcher at scrape time."""
        self.queue_depth.set_function(queued_items)
        self.worker_alive.set_function(lambda: 1.0 if alive() else 0.0)

    # BatchObserver
    def batch_done(self, items: int, requests: int, seconds: float, ok: bool) -> None:
        self.batch_items.observe(items)
        self.batch_requests.observe(requests)
        self.batch_seconds.observe(seconds)
        if not ok:
            self.batch_failures.inc()

    def queue_wait(self, seconds: float) -> None:
        self.queue_wait_seconds.observe(seconds)

    def rejected(self, reason: str) -> None:
        self.rejections.labels(reason=reason).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
