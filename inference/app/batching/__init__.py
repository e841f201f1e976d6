"""How model calls are scheduled: dynamic micro-batching on one worker thread (batcher.py)."""

from app.batching.batcher import BatchingRunner, BatchObserver
from app.batching.runner import Runner

__all__ = ["BatchObserver", "BatchingRunner", "Runner"]
