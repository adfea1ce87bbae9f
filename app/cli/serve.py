"""``gwb app``: the Streamlit dashboard, served and opened in the browser."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from app.cli.supervise import die_with_parent_hook, run_supervised

PORT_RANGE = (1, 65535)
#: The dashboard's entry script, run by ``streamlit run``.
DASHBOARD = Path(__file__).parent.parent / "dashboard" / "main.py"


def parse_port(value: str | int) -> int:
    """``--port``: an integer in :data:`PORT_RANGE`, as a usage error otherwise."""
    low, high = PORT_RANGE
    text = str(value).strip()  # the default arrives as an int
    if not re.fullmatch(r"[0-9]+", text) or not low <= int(text) <= high:
        raise typer.BadParameter(f"port must be an integer in [{low}, {high}]; got {value!r}")
    return int(text)


def app(
    port: Annotated[
        int,
        typer.Option(
            parser=parse_port,
            metavar="INTEGER",
            help=f"Port to serve on, {PORT_RANGE[0]}-{PORT_RANGE[1]}.",
        ),
    ] = 8501,
    address: Annotated[
        str, typer.Option(help="Interface to bind; 0.0.0.0 exposes the dashboard to the network.")
    ] = "127.0.0.1",
    headless: Annotated[bool, typer.Option(help="Do not open a browser.")] = False,
) -> None:
    """Open the dashboard in the browser.

    Example: gwb app --port 8502
    """
    from app.dashboard.limits import max_upload_mb
    from app.dashboard.warmup import Warmup, launcher_enabled

    upload_mb = max_upload_mb()
    # Streamlit always runs headless: otherwise its first run stops at an e-mail prompt
    # (and fails without a terminal). The browser is opened from here once it is up.
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(DASHBOARD),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        # Streamlit refuses bigger uploads itself (default 200 MB) before the dashboard's
        # own check runs; both follow GWB_MAX_UPLOAD_MB. Streamlit wants whole megabytes.
        "--server.maxUploadSize",
        str(max(1, math.ceil(upload_mb))),
    ]
    url = f"http://{'localhost' if address in ('127.0.0.1', '0.0.0.0') else address}:{port}"

    def open_browser(server: subprocess.Popen) -> None:
        threading.Thread(target=open_when_healthy, args=(url, server), daemon=True).start()

    env = os.environ.copy()
    # The kernels compile in a process of their own while Streamlit starts, so the first
    # click finds them in the on-disk cache (see app.dashboard.warmup); it dies with us.
    warmup = Warmup.start(preexec_fn=die_with_parent_hook()) if launcher_enabled() else None
    if warmup is not None:
        env["GWB_WARMUP_PROGRESS"] = str(warmup.progress)
    # Stopping `gwb app` in any way (SIGTERM, Ctrl-C, a closed terminal, even SIGKILL on
    # Linux) stops the Streamlit server too: see app.cli.supervise.
    try:
        code = run_supervised(
            command,
            env=env,
            started=None if headless else open_browser,
            name="the Streamlit server",
        )
    finally:
        if warmup is not None:
            warmup.stop()
    raise typer.Exit(code)


def open_when_healthy(url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    """Open ``url`` in the default browser once Streamlit answers its health check."""
    import urllib.request
    import webbrowser

    deadline = time.monotonic() + timeout
    while server.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    webbrowser.open(url)
                    return
        except OSError:
            time.sleep(0.5)
