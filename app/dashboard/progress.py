"""One progress bar for long engine work: stage, how far, the time elapsed and the time left."""

from __future__ import annotations

import time

import streamlit as st

from app.dashboard.warmup import wait_for_engine
from app.long_run import Eta, format_left


class ProgressBar:
    """An ``st.progress`` bar fed by an engine ``progress(done, total, stage)`` callback.

    Use as a context manager: the bar disappears when the work ends, and
    ``seconds`` holds how long it took. Beside the elapsed time it shows the time
    left (:class:`app.long_run.Eta`: the pace so far, and while little is done,
    the estimate of ``expected`` seconds). With ``cancel`` (the run's name, as
    given to :func:`app.dashboard.long_run.approved`) a Cancel button stands under
    the bar while the work runs: a click stops the work at its next progress report.

    >>> with ProgressBar("Counting") as bar:
    ...     bar(1, 2, "node orbits")
    >>> bar.text(1, 2, "node orbits").startswith("Counting: node orbits, 1 of 2")
    True
    """

    def __init__(
        self, title: str, unit: str = "", expected: float | None = None, cancel: str | None = None
    ) -> None:
        self.title = title
        self.unit = unit
        self.expected = expected
        self.cancel = cancel
        self.started = time.perf_counter()
        self.seconds = 0.0
        self.eta = Eta(expected)
        self._bar = None
        self._cancel_slot = None

    def __enter__(self) -> ProgressBar:
        wait_for_engine()  # a fresh install's first run waits for the engine's warm-up
        self.started = time.perf_counter()
        self.eta = Eta(self.expected)
        left = format_left(self.expected)
        self._bar = st.progress(0.0, text=f"{self.title}…" + (f" {left}" if left else ""))
        if self.cancel is not None:
            from app.dashboard.long_run import cancel_button

            self._cancel_slot = st.empty()
            cancel_button(self.cancel, self._cancel_slot)
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started
        if self._bar is not None:
            self._bar.empty()
        if self._cancel_slot is not None:
            self._cancel_slot.empty()

    def text(self, done: int, total: int, stage: str) -> str:
        """``'Orbits: orbits, 10 of 40 · 2.0 s, about 6.0 s left'``."""
        unit = f" {self.unit}" if self.unit else ""
        elapsed = time.perf_counter() - self.started
        left = format_left(self.eta.left(done, total, stage))
        return f"{self.title}: {stage}, {done:,} of {total:,}{unit} · {elapsed:.1f} s" + (
            f", {left}" if left else ""
        )

    def __call__(self, done: int, total: int, stage: str) -> None:
        if self._bar is not None:
            self._bar.progress(min(done / max(total, 1), 1.0), text=self.text(done, total, stage))
