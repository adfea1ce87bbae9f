"""Long runs, as both front ends handle them: the estimate first, a question above a threshold,
then progress with the time left.

The engine estimates each heavy call before it runs (:mod:`engine.estimate`: an
:class:`~engine.estimate.Estimate` of seconds and bytes). The CLI prints it and the
dashboard shows it beside the run button; a run estimated above
:func:`confirm_seconds` (:data:`CONFIRM_SECONDS`, 10 minutes, or
``$GWB_CONFIRM_SECONDS``) is asked about first. Once the user has agreed (or the
estimate is under the threshold) the front end lifts the engine's own limit
(:func:`unlimited`): the question has been asked once, with the same estimate.

While it runs, :class:`Eta` turns the engine's ``progress(done, total, stage)`` into
the seconds left: the pace so far, and while little is done, the estimate.

No Streamlit and no Typer here: ``app.cli`` and ``app.dashboard`` both import it.

Examples
--------
>>> import engine
>>> from engine.estimate import Estimate
>>> quick = Estimate("demo", seconds=3.0, bytes=2**20, threads=1, work=3 * 10**9)
>>> needs_confirmation(quick), short_estimate(quick)
(False, 'about 3.0 s, 1.0 MiB')
>>> estimate_of("orbit_counts_estimate", engine.sample("karate")).threads
1
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable

from app.environment import number_from_env
from engine.estimate import Estimate, format_seconds
from loaders.memory import format_bytes

#: Environment variable: seconds of estimated work a run may take without asking first.
CONFIRM_ENV = "GWB_CONFIRM_SECONDS"
#: Runs estimated above this many seconds ask first (the CLI: ``--yes`` or a prompt; the
#: dashboard: a second button). Ten minutes: longer than a user waits without deciding
#: to, a third of the engine's own refusal limit (:data:`engine.estimate.LONG_RUN_SECONDS`).
CONFIRM_SECONDS = 600.0
#: Fraction of the work after which :class:`Eta` trusts the pace it has seen over the
#: estimate: before it, the two are blended (early batches are few and uneven).
TRUST_AFTER = 0.1


def confirm_seconds() -> float:
    """The threshold above which a run asks first: ``$GWB_CONFIRM_SECONDS`` or 600.

    Raises ValueError naming the variable when it is set to anything but a
    number of seconds of at least zero.

    >>> confirm_seconds() >= 0
    True
    """
    return number_from_env(CONFIRM_ENV, CONFIRM_SECONDS, unit="seconds", allow_zero=True)


def estimate_of(name: str, *args, **kwargs) -> Estimate | None:
    """``engine.estimate.<name>(*args, **kwargs)``, or None where the engine has none yet.

    Every front end asks for estimates by name through here, so a heavy call
    whose estimate the engine does not publish simply runs without one.

    >>> estimate_of("no_such_estimate") is None
    True
    """
    import engine.estimate as estimates

    function = getattr(estimates, name, None)
    return None if function is None else function(*args, **kwargs)


def one_after_another(*estimates: Estimate | None) -> Estimate | None:
    """The estimate of running calls in turn: their seconds and work summed, the largest
    of their memory and threads; the unknown ones left out, None when none is known.

    >>> a = Estimate("a", seconds=2.0, bytes=10, threads=1, work=5)
    >>> b = Estimate("b", seconds=3.0, bytes=30, threads=2, work=7)
    >>> both = one_after_another(a, None, b)
    >>> both.what, both.seconds, both.bytes, both.threads, both.work
    ('a, then b', 5.0, 30, 2, 12)
    >>> one_after_another(None) is None, one_after_another(a) is a
    (True, True)
    """
    known = [estimate for estimate in estimates if estimate is not None]
    if len(known) <= 1:
        return known[0] if known else None
    return Estimate(
        what=", then ".join(estimate.what for estimate in known),
        seconds=sum(estimate.seconds for estimate in known),
        bytes=max(estimate.bytes for estimate in known),
        threads=max(estimate.threads for estimate in known),
        work=sum(estimate.work for estimate in known),
    )


def needs_confirmation(estimate: Estimate | None, limit: float | None = None) -> bool:
    """Whether a run with this estimate asks first (above ``limit``, default
    :func:`confirm_seconds`); a run without an estimate never does."""
    if estimate is None:
        return False
    return estimate.seconds > (confirm_seconds() if limit is None else limit)


def unlimited(call: Callable) -> dict:
    """``{"max_seconds": None}`` when ``call`` takes that keyword, else ``{}``.

    Passed once the front end has decided to run (under its threshold, or asked):
    the engine would otherwise refuse on its own half-hour limit.

    >>> unlimited(lambda g, max_seconds=1800: None), unlimited(lambda g: None)
    ({'max_seconds': None}, {})
    """
    try:
        parameters = inspect.signature(call).parameters
    except (TypeError, ValueError):
        return {}
    return {"max_seconds": None} if "max_seconds" in parameters else {}


def short_estimate(estimate: Estimate) -> str:
    """``'about 4.0 min, 1.2 GiB'``: an estimate as a button's caption shows it."""
    return f"about {format_seconds(estimate.seconds)}, {format_bytes(estimate.bytes)}"


def seconds_left(
    elapsed: float, done: float, total: float, expected: float | None = None
) -> float | None:
    """Seconds left of work ``done`` of ``total`` after ``elapsed`` seconds, or None if unknown.

    The pace so far, ``elapsed · (total − done) / done``, once a tenth of the
    work is done (:data:`TRUST_AFTER`); before that, blended with what the
    estimate ``expected`` (seconds for the whole work) leaves, weighted by how
    much is done. Without an estimate and with nothing done: None.

    >>> seconds_left(10.0, 50, 100)
    10.0
    >>> seconds_left(0.5, 0, 100, expected=60.0)
    60.0
    >>> seconds_left(1.0, 1, 100, expected=60.0) < seconds_left(1.0, 1, 100)
    True
    >>> seconds_left(3.0, 0, 100) is None, seconds_left(3.0, 100, 100)
    (True, 0.0)
    """
    if total <= 0:
        return None if expected is None else max(expected - elapsed, 0.0)
    fraction = min(max(done / total, 0.0), 1.0)
    if fraction >= 1.0:
        return 0.0
    pace = elapsed * (1.0 - fraction) / fraction if fraction > 0 else None
    if expected is None:
        return pace
    by_estimate = expected * (1.0 - fraction)
    if pace is None:
        return by_estimate
    trust = min(fraction / TRUST_AFTER, 1.0)
    return trust * pace + (1.0 - trust) * by_estimate


def format_left(seconds: float | None) -> str:
    """``'about 12 s left'``; an empty string when the time left is not known yet.

    >>> format_left(95), format_left(None), format_left(0.04)
    ('about 1.6 min left', '', 'about 0.0 s left')
    """
    return "" if seconds is None else f"about {format_seconds(seconds)} left"


class Eta:
    """The time left of a run, fed by the engine's ``progress(done, total, stage)`` calls.

    Each stage is timed from its first report; the estimate (``expected`` seconds)
    stands for the first stage only, whose work units it counts (a later stage,
    such as 5-node orbits after the 4-node ones, counts nodes).

    >>> eta = Eta(expected=10.0, clock=iter([0.0, 0.0, 1.0]).__next__)
    >>> eta.left(0, 100, "orbits"), eta.left(50, 100, "orbits")
    (10.0, 1.0)
    """

    def __init__(
        self, expected: float | None = None, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.expected = expected
        self.clock = clock
        self.started = clock()
        self.stage: str | None = None
        self.stages = 0

    def left(self, done: float, total: float, stage: str) -> float | None:
        """Seconds left of this stage, or None while it cannot be told."""
        now = self.clock()
        if stage != self.stage:
            self.stage, self.stages = stage, self.stages + 1
            if self.stages > 1:
                self.started = now
        expected = self.expected if self.stages == 1 else None
        return seconds_left(now - self.started, done, total, expected)
