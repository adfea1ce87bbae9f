"""A child process that never outlives the command that started it (``gwb app``'s server).

Every way of stopping the parent stops the child:

- SIGTERM (a supervisor, ``kill``, a test), SIGINT (Ctrl-C, which the terminal sends to the
  whole process group, or ``kill -INT``, which reaches the parent alone) and SIGHUP (the
  terminal closed) are forwarded to the child. Streamlit shuts down cleanly on SIGTERM and
  SIGINT but has no handler of its own for SIGHUP, so that one is forwarded as SIGTERM.
- The parent then waits for the child, at most :data:`STOP_GRACE_SECONDS`, and kills it if it
  is still running; a second stop signal kills it at once (the impatient second Ctrl-C).
- SIGKILL cannot be caught, so on Linux the child asks the kernel, before it runs anything
  (``prctl(PR_SET_PDEATHSIG, SIGTERM)`` in ``preexec_fn``), for a SIGTERM when its parent
  dies. Elsewhere a parent killed with SIGKILL can still leave the child behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

#: How long a stopped child may take to shut down before it is killed.
STOP_GRACE_SECONDS = 10.0
#: What each stop signal is forwarded as. SIGHUP's default action would end Streamlit
#: without its clean shutdown (and SIGHUP is missing on Windows).
FORWARDED: dict[int, int] = {signal.SIGTERM: signal.SIGTERM, signal.SIGINT: signal.SIGINT}
if hasattr(signal, "SIGHUP"):
    FORWARDED[signal.SIGHUP] = signal.SIGTERM
#: ``prctl`` option (linux/prctl.h): the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


class ServerDidNotStop(TimeoutError):
    """The child outlasted its grace period after a stop signal and was killed.

    A ``TimeoutError``, so the CLI's one-line message is the text alone.
    """


def die_with_parent_hook() -> Callable[[], None] | None:
    """A ``preexec_fn`` after which the kernel sends the child SIGTERM when this process dies.

    Linux only (None elsewhere, or where libc has no ``prctl``). Everything the hook calls
    is looked up here, before the fork, so the child only makes the system call. The
    kernel watches the *thread* that forks: call ``Popen`` from a thread that lives as
    long as the process (the main thread).

    Returns
    -------
    callable or None
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    # prctl is variadic and reads unsigned longs: a plain int could leave the upper half
    # of the register undefined, so the argument is passed at its full width.
    death_signal = ctypes.c_ulong(signal.SIGTERM)
    parent = os.getpid()

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, death_signal)
        # The parent may have died between the fork and prctl: no signal would come then.
        if os.getppid() != parent:
            os._exit(1)

    return die_with_parent


class _Stopper:
    """Signal handler: forwards a stop to the child, then kills it when it lingers."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self.child: subprocess.Popen | None = None
        self.received: list[int] = []
        self.killed = False
        self.timer: threading.Timer | None = None

    def on_signal(self, signum: int, frame: object) -> None:
        self.received.append(signum)
        if self.child is not None:  # else attach() forwards it once the child exists
            self.stop_child()

    def attach(self, child: subprocess.Popen) -> None:
        self.child = child
        if self.received:
            self.stop_child()

    def stop_child(self) -> None:
        if len(self.received) > 1 or self.timer is not None:
            self.kill_child()
            return
        try:
            self.child.send_signal(FORWARDED[self.received[0]])
        except ProcessLookupError:  # it ended meanwhile
            return
        self.timer = threading.Timer(self.grace, self.kill_child)
        self.timer.daemon = True
        self.timer.start()

    def kill_child(self) -> None:
        if self.child.poll() is None:
            self.killed = True
            try:
                self.child.kill()
            except ProcessLookupError:
                pass


def run_supervised(
    command: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    grace: float = STOP_GRACE_SECONDS,
    started: Callable[[subprocess.Popen], None] | None = None,
    name: str = "the server",
) -> int:
    """Run ``command`` until it ends, stopping it with this process (see the module notes).

    Parameters
    ----------
    command : sequence of str
    env : dict, optional
        The child's environment; this process's when None.
    grace : float
        Seconds a child may take to stop after a forwarded signal before it is killed.
    started : callable, optional
        Called with the ``Popen`` once the child runs (e.g. to open a browser).
    name : str
        What the child is, for the error message.

    Returns
    -------
    int
        An exit code: 0 when a stop signal ended the child as asked; otherwise the
        child's own (128 + N when signal N ended it, as a shell reports it).

    Raises
    ------
    ServerDidNotStop
        The child was killed after outlasting ``grace``.

    Examples
    --------
    >>> import sys
    >>> run_supervised([sys.executable, "-c", "raise SystemExit(3)"])
    3
    """
    stopper = _Stopper(grace)
    # Handlers go in before the child starts, so no signal finds it unsupervised; they
    # can only be installed from the main thread (an in-process caller elsewhere gets
    # the forwarding-free behaviour plus the kernel's parent-death signal).
    handled = FORWARDED if threading.current_thread() is threading.main_thread() else {}
    previous = {signum: signal.signal(signum, stopper.on_signal) for signum in handled}
    child = None
    try:
        child = subprocess.Popen(command, env=env, preexec_fn=die_with_parent_hook())
        stopper.attach(child)
        if started is not None:
            started(child)
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            if handler is not None:  # None: set outside Python, cannot be put back
                signal.signal(signum, handler)
        if stopper.timer is not None:
            stopper.timer.cancel()
        if child is not None and child.poll() is None:  # an error on our side: no orphan
            child.kill()
            child.wait()
    if stopper.killed:
        asked = signal.Signals(FORWARDED[stopper.received[0]]).name
        raise ServerDidNotStop(
            f"{name} did not stop within {grace:g} s of {asked}; killed it"
            if len(stopper.received) == 1
            else f"{name} was killed on a second stop signal"
        )
    if stopper.received and code in (0, -FORWARDED[stopper.received[0]]):
        return 0
    return 128 - code if code < 0 else code
