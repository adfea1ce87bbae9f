"""One progress bar for long engine work: stage, how far, and the time elapsed."""

from __future__ import annotations

import time

import streamlit as st

from app.dashboard.warmup import wait_for_engine


class ProgressBar:
    """An ``st.progress`` bar fed by an engine ``progress(done, total, stage)`` callback.

    Use as a context manager: the bar disappears when the work ends, and
    ``seconds`` holds how long it took.

    >>> with ProgressBar("Counting") as bar:
    ...     bar(1, 2, "node orbits")
    >>> bar.text(1, 2, "node orbits").startswith("Counting: node orbits, 1 of 2")
    True
    """

    def __init__(self, title: str, unit: str = "") -> None:
        self.title = title
        self.unit = unit
        self.started = time.perf_counter()
        self.seconds = 0.0
        self._bar = None

    def __enter__(self) -> ProgressBar:
        wait_for_engine()  # a fresh install's first run waits for the engine's warm-up
        self.started = time.perf_counter()
        self._bar = st.progress(0.0, text=f"{self.title}…")
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started
        if self._bar is not None:
            self._bar.empty()

    def text(self, done: int, total: int, stage: str) -> str:
        unit = f" {self.unit}" if self.unit else ""
        elapsed = time.perf_counter() - self.started
        return f"{self.title}: {stage}, {done:,} of {total:,}{unit} · {elapsed:.1f} s"

    def __call__(self, done: int, total: int, stage: str) -> None:
        if self._bar is not None:
            self._bar.progress(min(done / max(total, 1), 1.0), text=self.text(done, total, stage))
