"""Wall-clock instrumentation from outside: wrap functions and methods of loaded objects with
timers (nothing in newsdesk/ is edited), nested calls accounted exclusively.

    t = Timers()
    t.wrap(newsdesk.predictor, "tokenize_windows", "tokenisation")      # a module-level name
    t.wrap(predictor.model, "encode", "encoder")                         # a method of one object
    with t.section("total"):
        predictor.predict(texts)
    t.restore()
    t.exclusive()   # {("total", "encoder"): seconds, ...}: each path's own time, children excluded

A call's exclusive time is its wall time minus the wall time of the wrapped calls made inside it,
so the exclusive times of all paths add up to the outermost sections' wall time; what no wrapped
call covers stays with its caller (e.g. the Python glue of `Predictor.score`). `on_enter` hooks
see every call (used for per-step decoder timing). CUDA work is synchronised before each clock
read when `sync` is true (CPU work is synchronous anyway).
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Callable

Path = tuple[str, ...]


class Timers:
    def __init__(self, sync: bool = False):
        self.sync = sync
        self._stack: list[list[Any]] = []  # [name, start, child seconds]
        self.excl: dict[Path, float] = defaultdict(float)
        self.incl: dict[Path, float] = defaultdict(float)
        self.calls: dict[Path, int] = defaultdict(int)
        self._undo: list[Callable[[], None]] = []
        self.missing: list[str] = []  # names asked to wrap that do not exist (the code moved)
        self.on_enter: dict[str, list[Callable[[float], None]]] = defaultdict(list)
        self.on_exit: dict[str, list[Callable[[float], None]]] = defaultdict(list)

    # ------------------------------------------------------------------ clock
    def _now(self) -> float:
        if self.sync:
            import torch

            if torch.cuda.is_available():
                torch.cuda.synchronize()
        return time.perf_counter()

    def _enter(self, name: str) -> None:
        now = self._now()
        for hook in self.on_enter.get(name, ()):
            hook(now)
        self._stack.append([name, now, 0.0])

    def _exit(self) -> None:
        now = self._now()
        name, start, child = self._stack[-1]
        path = tuple(f[0] for f in self._stack)
        self._stack.pop()
        wall = now - start
        self.incl[path] += wall
        self.excl[path] += wall - child
        self.calls[path] += 1
        if self._stack:
            self._stack[-1][2] += wall
        for hook in self.on_exit.get(name, ()):
            hook(now)

    @contextmanager
    def section(self, name: str):
        self._enter(name)
        try:
            yield
        finally:
            self._exit()

    # ------------------------------------------------------------------ wrapping
    def wrap(self, owner: Any, attr: str, name: str | None = None) -> bool:
        """Time every call of `owner.attr` (a module function, a class method or one object's method)
        under `name`; False (and the name noted in `missing`) when `owner` has no such attribute."""
        name = name or attr
        if not hasattr(owner, attr):
            self.missing.append(f"{getattr(owner, '__name__', type(owner).__name__)}.{attr}")
            return False
        own = owner.__dict__ if hasattr(owner, "__dict__") else {}
        had_own = attr in own
        original = own.get(attr)
        kind = type(original) if isinstance(original, (staticmethod, classmethod)) else None
        call = original.__func__ if kind else getattr(owner, attr)  # plain function (classes, modules) or bound method

        @functools.wraps(call)
        def timed(*args, **kwargs):
            self._enter(name)
            try:
                return call(*args, **kwargs)
            finally:
                self._exit()

        setattr(owner, attr, kind(timed) if kind else timed)

        def undo():
            if had_own:
                setattr(owner, attr, original)
            else:
                delattr(owner, attr)  # the wrapper hid an inherited / class attribute: remove it

        self._undo.append(undo)
        return True

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()

    def reset(self) -> None:
        self.excl.clear()
        self.incl.clear()
        self.calls.clear()

    # ------------------------------------------------------------------ reading
    def exclusive(self) -> dict[Path, float]:
        return dict(self.excl)

    def by_name(self) -> dict[str, float]:
        """Exclusive seconds per innermost name, summed over call paths."""
        out: dict[str, float] = defaultdict(float)
        for path, s in self.excl.items():
            out[path[-1]] += s
        return dict(out)

    def grouped(self, rule: Callable[[Path], str]) -> dict[str, float]:
        """Exclusive seconds per category, `rule(path)` -> category."""
        out: dict[str, float] = defaultdict(float)
        for path, s in self.excl.items():
            out[rule(path)] += s
        return dict(out)

    def total(self) -> float:
        """Wall seconds of the outermost calls."""
        return sum(s for path, s in self.incl.items() if len(path) == 1)
