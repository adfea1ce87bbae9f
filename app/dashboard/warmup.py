"""Compile the engines' kernels in the background while the dashboard starts (issue #22).

A fresh install has an empty Numba cache: each engine's first result waits for
its kernels to compile (20-30 s for all five on two cores). The dashboard starts
one warm-up per server process, ``python -m app.dashboard.warmup PROGRESS``: a
separate process, because compiling holds the GIL and would freeze the server,
that runs each engine once on karate, in the order of the navigation, so that
the on-disk cache holds every kernel the pages call. It writes which engines
are ready to the ``PROGRESS`` file after each one. The sidebar shows "preparing
engines k/n" (:func:`engines_sidebar`), and a page's first run of an engine not
ready yet waits for it with a progress bar (:func:`wait_for_engine`), then
loads the machine code from the cache in milliseconds instead of compiling it
a second time. With a warm cache the warm-up takes about two seconds.

``GWB_WARMUP=0`` turns it off; tests (``PYTEST_CURRENT_TEST`` set) never start
one. ``gwb app`` (and so ``make run``) starts the warm-up itself, beside the
server, so that compiling begins before the first browser session; it passes the
progress file in ``GWB_WARMUP_PROGRESS`` and the dashboard follows that one; the
file carries the warm-up's pid, so a warm-up that died keeps no page waiting.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent / "pages"
#: How long a page waits for an engine before it compiles the kernels itself.
WAIT_LIMIT_S = 600.0
PAGE_KEY = "warmup_page_engine"


@dataclass(frozen=True)
class Step:
    """One engine to prepare: ``key`` (its page's url path), a label, and its runs."""

    key: str
    label: str
    run: Callable


def _pagerank(g) -> None:
    import engine

    for method in ("hybrid", "push", "walks", "exact"):
        engine.top_nodes(g, engine.ppr(g, [0, 33], method=method, seed=0, device="cpu"), 5)


def _embeddings(g) -> None:
    import engine

    embedding = engine.fastrp(g, dim=16, seed=0, device="cpu")
    engine.nearest(embedding, 0, k=5, graph=g)


def _similar(g) -> None:
    import engine

    index = engine.NeighbourhoodIndex.build(g, threshold=0.3, device="cpu")
    index.similar(0, 5)
    index.expand([0, 1])


def _clusters(g) -> None:
    import engine

    for method in ("ppr", "heat"):
        engine.local_cluster(g, 0, method=method)


def _graphlets(g) -> None:
    import engine

    engine.orbit_counts(g)
    engine.edge_orbit_counts(g)


def _graphlets_5(g) -> None:
    import engine

    engine.orbit_counts(g, graphlet_size=5)


def _overview(g) -> None:
    import engine

    engine.top_nodes(g, engine.ppr(g, list(g.labels), method="exact"), 10)


#: In the navigation's order, the first page a user opens first.
STEPS = (
    Step("overview", "overview", _overview),
    Step("pagerank", "PageRank", _pagerank),
    Step("embeddings", "FastRP", _embeddings),
    Step("similar", "similar nodes", _similar),
    Step("clusters", "local clusters", _clusters),
    Step("graphlets", "graphlets", _graphlets),
    Step("graphlets-5", "5-node graphlets", _graphlets_5),
)
STEP_OF_PAGE = {step.key: step for step in STEPS}


def write_progress(
    path: Path, done: list[str], failed: str | None = None, pid: int | None = None
) -> None:
    """Write the engines ready so far to ``path`` (a temporary name renamed into place),
    with the ``pid`` of the process preparing them."""
    path = Path(path)
    state = {"done": done, "total": len(STEPS), "failed": failed, "pid": pid}
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(state))
    partial.replace(path)


def run_steps(progress: Path, only: list[str] | None = None) -> None:
    """Run every step (or those in ``only``, the others counting as done) on karate,
    recording each in ``progress``; stop early when the process that started this
    one has gone."""
    import engine

    graph = engine.sample("karate")
    parent = os.getppid()
    done: list[str] = []
    pid = os.getpid()
    write_progress(progress, done, pid=pid)
    for step in STEPS:
        if os.getppid() != parent:
            return  # the dashboard is gone: nobody waits for the rest
        if only is None or step.key in only:
            try:
                step.run(graph)
            except Exception as error:  # a page will then compile (and report) it itself
                write_progress(progress, done, failed=f"{step.label}: {error!r}", pid=pid)
                raise
        done.append(step.key)
        write_progress(progress, done, pid=pid)


class Warmup:
    """The dashboard's view of a warm-up process through its progress file."""

    def __init__(self, progress: Path, process: subprocess.Popen | None = None):
        self.progress = Path(progress)
        self.process = process
        self.started = time.monotonic()

    @classmethod
    def start(cls, preexec_fn: Callable[[], None] | None = None) -> Warmup:
        """Start ``python -m app.dashboard.warmup`` with a fresh progress file.

        ``preexec_fn`` runs in the child before it starts (``gwb app`` passes one that
        makes the warm-up die with it).
        """
        folder = Path(tempfile.mkdtemp(prefix="gwb-warmup-"))
        progress = folder / "progress.json"
        write_progress(progress, [])
        log = open(folder / "warmup.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "app.dashboard.warmup", str(progress)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=preexec_fn,
        )
        return cls(progress, process)

    def stop(self, grace: float = 5.0) -> None:
        """Stop the warm-up process this object started, if it still runs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def state(self) -> dict:
        """``done`` (step keys), ``total`` and ``failed`` (why it stopped, or None)."""
        try:
            state = json.loads(self.progress.read_text())
        except (OSError, ValueError):  # not written yet, or a launcher's file is gone
            state = {"done": [], "total": len(STEPS), "failed": None}
        code = None if self.process is None else self.process.poll()
        if code not in (None, 0) and not state["failed"]:
            state["failed"] = f"the warm-up process exited with code {code}"
        unfinished = len(state["done"]) < state["total"] and not state["failed"]
        if self.process is None and unfinished and not _alive(state.get("pid")):
            # A launcher's warm-up: no exit code to read, so ask whether it still runs.
            state["failed"] = "the warm-up process has gone"
        return state

    def counts(self) -> tuple[int, int]:
        """``(engines ready, engines in all)``."""
        state = self.state()
        return len(state["done"]), state["total"]

    def finished(self) -> bool:
        """Whether every engine is ready, or the warm-up stopped (nothing more to wait for)."""
        state = self.state()
        return bool(state["failed"]) or len(state["done"]) >= state["total"]

    def ready(self, key: str) -> bool:
        """Whether ``key``'s engine is ready (or will never be: then no page waits)."""
        state = self.state()
        return key in state["done"] or bool(state["failed"]) or key not in STEP_OF_PAGE


def _alive(pid: int | None) -> bool:
    """Whether process ``pid`` runs (True while it is not known yet)."""
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: it exists
        return True
    return True


def launcher_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``gwb app`` starts the warm-up beside the server: unless ``GWB_WARMUP=0``,
    and not under pytest unless ``GWB_WARMUP=1`` asks for it.

    >>> launcher_enabled({}), launcher_enabled({"GWB_WARMUP": "0"})
    (True, False)
    >>> launcher_enabled({"PYTEST_CURRENT_TEST": "t"}), launcher_enabled(
    ...     {"PYTEST_CURRENT_TEST": "t", "GWB_WARMUP": "1"})
    (False, True)
    """
    setting = environ.get("GWB_WARMUP", "")
    return setting != "0" and (setting == "1" or "PYTEST_CURRENT_TEST" not in environ)


def enabled() -> bool:
    """Whether this process warms the engines up: a Streamlit server's, not in tests,
    not turned off."""
    return (
        st.runtime.exists()
        and os.environ.get("GWB_WARMUP", "1") != "0"
        and "PYTEST_CURRENT_TEST" not in os.environ
    )


@st.cache_resource(show_spinner=False)
def server_warmup() -> Warmup | None:
    """The warm-up of this server process: started at its first script run, once."""
    if not enabled():
        return None
    launched = os.environ.get("GWB_WARMUP_PROGRESS")
    return Warmup(Path(launched)) if launched else Warmup.start()


def page_engine(page) -> str | None:
    """The warm-up step a navigation page runs (its url path; the default page's is ""),
    or None."""
    key = getattr(page, "url_path", None)
    key = "overview" if key == "" else key
    return key if key in STEP_OF_PAGE else None


def calling_page() -> str | None:
    """The warm-up step of the page script that is running this call, if any.

    Read from the call stack (Streamlit runs a page's file as its code's file
    name), because the navigation's current page is not always the page
    running: under AppTest's page switch it stays the default page.
    """
    frame = sys._getframe(1)
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.parent == PAGES and path.stem in STEP_OF_PAGE:
            return path.stem
        frame = frame.f_back
    return None


def progress_text(warmup: Warmup) -> str:
    done, total = warmup.counts()
    return f"preparing engines {done}/{total}"


def engines_sidebar(page=None) -> None:
    """The sidebar line "preparing engines k/n" while the warm-up runs; nothing after.

    ``page`` is the navigation's current page: a page's first engine run waits for
    its engine (:func:`wait_for_engine`).
    """
    st.session_state[PAGE_KEY] = page_engine(page)
    warmup = server_warmup()
    if warmup is None or warmup.finished():
        return

    @st.fragment(run_every=1.0)
    def line() -> None:
        if warmup.finished():
            state = warmup.state()
            if state["failed"]:
                st.caption(f"engine warm-up stopped ({state['failed']})")
            else:
                st.caption("engines ready")
            return
        done, total = warmup.counts()
        st.progress(done / total, text=progress_text(warmup))

    with st.sidebar:
        line()


def wait_for_engine(key: str | None = None, poll_s: float = 0.25) -> None:
    """Wait, with a progress bar, until the current page's engine (or ``key``'s) is ready.

    Returns at once when there is no warm-up, the engine is ready, or the warm-up
    stopped; after :data:`WAIT_LIMIT_S` it gives up and the page compiles itself.
    """
    warmup = server_warmup()
    if warmup is None:
        return
    key = key or calling_page() or st.session_state.get(PAGE_KEY)
    if key is None or warmup.ready(key):
        return
    label = STEP_OF_PAGE[key].label
    waiting = time.monotonic()
    bar = st.progress(0.0)
    try:
        while not warmup.ready(key) and time.monotonic() - waiting < WAIT_LIMIT_S:
            done, total = warmup.counts()
            bar.progress(
                done / total,
                text=f"The {label} engine is being prepared (its first start on this install "
                f"compiles it): {progress_text(warmup)} · {time.monotonic() - waiting:.0f} s",
            )
            time.sleep(poll_s)
    finally:
        bar.empty()


def main(argv: list[str] | None = None) -> None:
    """``python -m app.dashboard.warmup PROGRESS [STEP ...]``."""
    arguments = sys.argv[1:] if argv is None else argv
    if not arguments:
        raise SystemExit("usage: python -m app.dashboard.warmup PROGRESS [STEP ...]")
    run_steps(Path(arguments[0]), arguments[1:] or None)


if __name__ == "__main__":
    main()
