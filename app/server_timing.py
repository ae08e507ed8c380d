"""How long each step of a request took, for its `Server-Timing` header (shown by browsers' developer
tools, and read by the live-path benchmark for its breakdown).

A handler opens `Steps()` for its request; code it calls, in whatever feature, marks its steps
with `timed(name)`: a step of the same name counts once with the durations added (the releases
of a submission's groups). Outside such a request `timed` measures nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[Steps | None] = ContextVar("server_timing", default=None)


class Steps:
    def __init__(self) -> None:
        self.milliseconds: dict[str, float] = {}

    def __enter__(self) -> Steps:
        self._token = _current.set(self)
        return self

    def __exit__(self, *_: object) -> None:
        _current.reset(self._token)

    def header(self) -> str:
        return ", ".join(f"{name};dur={ms:.1f}" for name, ms in self.milliseconds.items())


@contextmanager
def timed(name: str) -> Iterator[None]:
    steps = _current.get()
    if steps is None:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        steps.milliseconds[name] = steps.milliseconds.get(name, 0.0) + (time.perf_counter() - start) * 1000
