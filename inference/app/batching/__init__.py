"""How model calls are scheduled: today one at a time on one worker thread; dynamic micro-batching goes here."""

from app.batching.runner import Runner, SerialRunner

__all__ = ["Runner", "SerialRunner"]
