"""``gwb app`` never leaves its Streamlit server behind, however it is stopped.

Each case starts the real command on a free port, waits until the dashboard answers its
health check, stops ``gwb app`` one way and asserts that the Streamlit child (found in
``/proc`` by its parent's pid) is gone: the tests fail on an orphan, and kill whatever
they started even when they fail.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.cli.common import describe
from app.cli.supervise import ServerDidNotStop, die_with_parent_hook, run_supervised

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads processes from /proc (Linux)"
)
ROOT = Path(__file__).resolve().parents[2]
#: Seconds the dashboard may take to answer (a loaded CI machine), and to go away.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stat_fields(pid: int) -> list[str] | None:
    """``/proc/PID/stat`` after the command name: [state, ppid, ...]; None if no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def children_of(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of each live child of ``pid``; the start time tells a reused pid."""
    found = []
    for entry in os.listdir("/proc"):
        fields = stat_fields(int(entry)) if entry.isdigit() else None
        if fields is not None and int(fields[1]) == pid and fields[0] != "Z":
            found.append((int(entry), fields[19]))
    return found


def alive(process: tuple[int, str]) -> bool:
    """Whether the process still runs. A zombie has stopped: it only waits to be reaped
    (by init, once a SIGKILLed parent has left it)."""
    fields = stat_fields(process[0])
    return fields is not None and fields[19] == process[1] and fields[0] != "Z"


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
            return reply.read().strip() == b"ok"
    except OSError:
        return False


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.fixture
def gwb_app(tmp_path):
    """Start ``gwb app --headless`` and return (gwb process, Streamlit child, port, its
    stderr file) once the dashboard is healthy. Afterwards both are killed if a failed
    test left them."""
    started = []

    def start() -> tuple[subprocess.Popen, tuple[int, str], int, Path]:
        port = free_port()
        # A file, not a pipe: an orphaned server would hold a pipe open, and reading it
        # to show why a test failed would hang the test instead.
        log = tmp_path / f"gwb-app-{port}.log"
        with log.open("wb") as stderr:
            gwb = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "app", "--headless", "--port", str(port)],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                # Its own process group, so that a Ctrl-C to the group reaches no test runner.
                start_new_session=True,
                # Stopped (and so its server) even if the test runner is killed.
                preexec_fn=die_with_parent_hook(),
            )
        started.append(gwb)
        wait_until(
            lambda: healthy(port) or gwb.poll() is not None,
            START_TIMEOUT,
            "the dashboard never became healthy",
        )
        assert gwb.poll() is None, log.read_text()
        (child,) = children_of(gwb.pid)
        started.append(child)
        return gwb, child, port, log

    yield start
    for process in started:
        if isinstance(process, subprocess.Popen):
            if process.poll() is None:
                process.kill()
                process.wait()
        elif alive(process):
            os.kill(process[0], signal.SIGKILL)


@pytest.mark.parametrize(
    ("how", "exit_code"),
    [
        ("SIGTERM", 0),  # a supervisor, `kill`, a test
        ("SIGINT", 0),  # `kill -INT`: gwb alone gets it
        ("Ctrl-C", 0),  # SIGINT to the whole process group, Streamlit included
        ("SIGHUP", 0),  # the terminal closed (Streamlit has no SIGHUP handler)
        ("SIGKILL", -signal.SIGKILL),  # nothing runs in gwb: the kernel tells the child
    ],
)
def test_stopping_gwb_app_stops_its_streamlit_server(gwb_app, how, exit_code):
    gwb, child, port, log = gwb_app()
    if how == "Ctrl-C":
        os.killpg(gwb.pid, signal.SIGINT)
    else:
        gwb.send_signal(getattr(signal, how))
    code = gwb.wait(timeout=STOP_TIMEOUT)
    wait_until(lambda: not alive(child), STOP_TIMEOUT, f"the Streamlit server outlived {how}")
    assert not healthy(port)
    assert code == exit_code, log.read_text()


def test_a_server_that_ignores_the_signal_is_killed(tmp_path):
    """After the grace period the child is killed; the command says so and exits 1."""
    ready = tmp_path / "ready"
    stubborn = (
        "import pathlib, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(ready)!r}).touch(); time.sleep(60)"
    )
    script = (
        "import sys\n"
        "from app.cli.supervise import ServerDidNotStop, die_with_parent_hook, run_supervised\n"
        "try:\n"
        f"    sys.exit(run_supervised([sys.executable, '-c', {stubborn!r}], grace=1.0))\n"
        "except ServerDidNotStop as error:\n"
        "    sys.exit(f'{error}')\n"
    )
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        parent = subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=ROOT,
            stderr=stderr,
            preexec_fn=die_with_parent_hook(),
        )
    child = None
    try:
        wait_until(ready.exists, START_TIMEOUT, "the stubborn child never started")
        (child,) = children_of(parent.pid)
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=STOP_TIMEOUT) == 1, log.read_text()
        expected = "the server did not stop within 1 s of SIGTERM; killed it"
        assert log.read_text().strip() == expected
        assert not alive(child)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child is not None and alive(child):
            os.kill(child[0], signal.SIGKILL)


def test_exit_codes_and_signal_handlers_restored():
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    assert run_supervised([sys.executable, "-c", "raise SystemExit(3)"]) == 3
    killed_itself = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    assert run_supervised([sys.executable, "-c", killed_itself]) == 128 + signal.SIGKILL
    assert {signum: signal.getsignal(signum) for signum in before} == before
    # The CLI's failure line is the message alone (a TimeoutError needs no kind).
    assert describe(ServerDidNotStop("the server did not stop")) == "the server did not stop"


def test_gwb_app_compiles_the_engines_beside_the_server_and_stops_both(tmp_path):
    """`gwb app` starts the warm-up with the server (GWB_WARMUP=1: on even under pytest),
    hands its progress file to the dashboard, and leaves neither behind on SIGTERM."""
    port = free_port()
    log = tmp_path / "gwb-app.log"
    env = {**os.environ, "GWB_WARMUP": "1"}
    with log.open("wb") as stderr:
        gwb = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "app", "--headless", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=die_with_parent_hook(),
        )
    children = []
    try:
        wait_until(
            lambda: healthy(port) or gwb.poll() is not None,
            START_TIMEOUT,
            "the dashboard never became healthy",
        )
        assert gwb.poll() is None, log.read_text()
        children = children_of(gwb.pid)
        commands = {
            pid: Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
            for pid, _ in children
        }
        (server,) = [c for c in children if b"streamlit" in commands[c[0]]]
        (warmup,) = [c for c in children if b"app.dashboard.warmup" in commands[c[0]]]
        environ = Path(f"/proc/{server[0]}/environ").read_bytes().split(b"\0")
        progress = commands[warmup[0]][-1]
        assert b"GWB_WARMUP_PROGRESS=" + progress in environ, "the dashboard follows its file"
        gwb.send_signal(signal.SIGTERM)
        assert gwb.wait(timeout=STOP_TIMEOUT) == 0, log.read_text()
        for child in (server, warmup):
            wait_until(lambda c=child: not alive(c), STOP_TIMEOUT, f"{child} outlived gwb app")
    finally:
        if gwb.poll() is None:
            gwb.kill()
            gwb.wait()
        for child in children:
            if alive(child):
                os.kill(child[0], signal.SIGKILL)
