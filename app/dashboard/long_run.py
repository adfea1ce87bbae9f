"""Long runs on the dashboard: the estimate under the run button, a question before a long
run, and a Cancel button while one runs.

A page that runs a heavy engine call:

1. shows the estimate under its run button (:func:`estimate_caption`, e.g.
   "Estimate: about 4.0 min, 1.2 GiB");
2. asks :func:`approved` whether to start: straight away under the threshold
   (:func:`app.long_run.confirm_seconds`: 10 minutes, or ``$GWB_CONFIRM_SECONDS``);
   above it, only after a second button ("Run anyway"), drawn in place of the run;
3. runs inside :class:`~app.dashboard.progress.ProgressBar` with ``cancel=name``,
   which draws a Cancel button while the work runs.

Cancelling relies on how Streamlit handles a click during a run: the click asks
for a rerun, and the running script is stopped (``RerunException``, a
``BaseException``) at its next Streamlit call, here the progress bar's next update
from the engine's ``progress`` callback. The engine call unwinds there, before its
result is stored, so no half result is kept; the rerun then says "Cancelled".
A heavy run must not sit in an ``st.fragment``: a click on a fragment's widget never
interrupts the running script (Streamlit queues such reruns until the run ends), so
Cancel would wait for the end of the work.
"""

from __future__ import annotations

from collections.abc import Hashable

import streamlit as st

from app.long_run import confirm_seconds, needs_confirmation, short_estimate
from engine.estimate import Estimate, format_seconds


def estimate_caption(estimate: Estimate | None, what: str = "Estimate") -> None:
    """``Estimate: about 4.0 min, 1.2 GiB`` under a run button; nothing without an estimate."""
    if estimate is None:
        return
    asks = " (asks before running)" if needs_confirmation(estimate) else ""
    st.caption(f"{what}: {short_estimate(estimate)}{asks}")


def cancel(name: str) -> None:
    """The Cancel button's callback: runs before the rerun its click starts."""
    st.session_state[f"{name}_cancelled"] = True


def _confirm(name: str) -> None:
    st.session_state[f"{name}_go"] = st.session_state.pop(f"{name}_pending", None)


def _decline(name: str) -> None:
    st.session_state.pop(f"{name}_pending", None)


def cancel_button(name: str, container) -> None:
    """The Cancel button of run ``name``, drawn in ``container`` while the run lasts."""
    container.button("Cancel", key=f"{name}_cancel", on_click=cancel, args=(name,))


def approved(name: str, submitted: bool, estimate: Estimate | None, request: Hashable) -> bool:
    """Whether to start run ``name`` now.

    Parameters
    ----------
    name : str
        The run's name on its page, unique there (keys its buttons and state).
    submitted : bool
        The run button was pressed in this script run.
    estimate : Estimate or None
        The engine's estimate of the run.
    request : hashable
        What the run is of (graph and parameters): an answer to the question holds
        for that request only, so changing a parameter asks again.

    A pressed button under the threshold starts at once. Above it, the page
    shows the estimate with "Run anyway" and "Don't run" until one is pressed;
    "Run anyway" starts it. Also says "Cancelled" once after a cancelled run.
    """
    if st.session_state.pop(f"{name}_cancelled", False):
        st.warning("Cancelled: the run was stopped before it finished; no result was kept.")
    pending, go = f"{name}_pending", f"{name}_go"
    if st.session_state.get(go, None) is not None:
        return st.session_state.pop(go) == request
    if submitted:
        if not needs_confirmation(estimate):
            st.session_state.pop(pending, None)
            return True
        st.session_state[pending] = request
    if pending not in st.session_state or st.session_state[pending] != request:
        return False
    st.warning(
        f"{estimate} (estimated): longer than the {format_seconds(confirm_seconds())} "
        "a run starts without asking. Run it anyway? It can be cancelled while it runs."
    )
    left, right = st.columns(2)
    left.button("Run anyway", key=f"{name}_confirm", on_click=_confirm, args=(name,))
    right.button("Don't run", key=f"{name}_decline", on_click=_decline, args=(name,))
    return False
