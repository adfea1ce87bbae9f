"""How long a fresh process waits for its first results, and which kernels it compiles.

Issue #22: with an empty Numba cache a fresh process waited about a minute for
its first PPR, FastRP, local cluster, similar nodes and orbit counts on karate;
with a warm cache under two seconds. This script measures both, each in a fresh
subprocess so that nothing compiled or imported before counts, sharing one
temporary ``NUMBA_CACHE_DIR`` (empty for the cold run, filled by it for the warm
one), and prints:

- the first-results table: seconds to import ``engine`` and to each engine's
  first result, cold and warm;
- the per-kernel compile table of the cold run: each kernel's own compile time
  (its callees' compiles subtracted), how many signatures it compiled, and the
  engine whose first call compiled it. Times come from Numba's
  ``numba:compile`` events, which fire only for a real compile, never for a
  load from the cache.

Run it alone on a quiet machine; another process compiling beside it doubles
the numbers (the load average is printed with them)::

    .venv/bin/python -m benchmarks.compile_time
    .venv/bin/python -m benchmarks.compile_time --json before.json   # keep the numbers
    .venv/bin/python -m benchmarks.compile_time --compare before.json  # before/after
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict

#: The five engines of the issue, in the order a first session meets them.
ENGINES = ("ppr", "fastrp", "local_cluster", "similar_nodes", "orbit_counts")


class CompileTimes:
    """A Numba event listener that attributes compile time to the kernel compiled.

    A kernel that calls another (non-inlined) kernel compiles its callee while
    it is itself being typed, so the callee's compile nests inside the caller's;
    ``own`` subtracts the nested compiles so that the column adds up to the
    total. Times are the compiling thread's CPU seconds, so that another
    process busy on the machine does not inflate them.
    """

    def __init__(self):
        self.own = defaultdict(float)
        self.signatures = defaultdict(int)
        self.stage = {}
        self.current_stage = "import"
        self._stacks = threading.local()

    def _stack(self) -> list:
        if not hasattr(self._stacks, "frames"):
            self._stacks.frames = []
        return self._stacks.frames

    def on_start(self, event) -> None:
        self._stack().append([time.thread_time(), 0.0])

    def on_end(self, event) -> None:
        started, nested = self._stack().pop()
        spent = time.thread_time() - started
        if self._stack():
            self._stack()[-1][1] += spent
        function = event.data["dispatcher"].py_func
        name = f"{function.__module__}.{function.__qualname__}"
        self.own[name] += spent - nested
        self.signatures[name] += 1
        self.stage.setdefault(name, self.current_stage)


def child(graph_name: str) -> dict:
    """Run in the fresh process: import, the five first results, and the compile log."""
    started, started_cpu = time.perf_counter(), time.process_time()
    from numba.core import event  # timed: numba's import is part of a first result

    times = CompileTimes()

    class Hooks(event.Listener):
        on_start = staticmethod(times.on_start)
        on_end = staticmethod(times.on_end)

    event.register("numba:compile", Hooks())
    import engine  # noqa: F401  (its import compiles nothing, but loads the kernels' modules)

    imported = time.perf_counter() - started
    imported_cpu = time.process_time() - started_cpu
    seconds, cpu_seconds = {}, {}
    for name in ENGINES:
        times.current_stage = name
        cpu_started = time.process_time()
        seconds[name] = first_result_s(name, graph_name)
        cpu_seconds[name] = time.process_time() - cpu_started
    kernels = [
        {
            "kernel": name,
            "own_s": times.own[name],
            "signatures": times.signatures[name],
            "first": times.stage[name],
        }
        for name in sorted(times.own, key=times.own.get, reverse=True)
    ]
    return {
        "import_s": imported,
        "engines_s": seconds,
        "import_cpu_s": imported_cpu,
        "engines_cpu_s": cpu_seconds,
        "kernels": kernels,
    }


_GRAPHS: dict = {}


def first_result_s(name: str, graph_name: str) -> float:
    """Seconds to one engine's first result (the graph is loaded once, untimed)."""
    import engine

    if graph_name not in _GRAPHS:
        _GRAPHS[graph_name] = engine.sample(graph_name)
    graph = _GRAPHS[graph_name]
    calls = {
        "ppr": lambda: engine.ppr(graph, [0]),
        "fastrp": lambda: engine.fastrp(graph, dim=32),
        "local_cluster": lambda: engine.local_cluster(graph, 0),
        "similar_nodes": lambda: engine.NeighbourhoodIndex.build(graph, threshold=0.3).similar(
            0, k=5
        ),
        "orbit_counts": lambda: engine.orbit_counts(graph),
    }
    started = time.perf_counter()
    calls[name]()
    return time.perf_counter() - started


def fresh_process(cache_dir: str, graph_name: str) -> dict:
    """:func:`child` in a new interpreter whose Numba cache is ``cache_dir``."""
    environment = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.compile_time", "--child", "--graph", graph_name],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - started
    return result


def measure(graph_name: str = "karate") -> dict:
    """Cold then warm fresh-process runs sharing one temporary Numba cache."""
    with tempfile.TemporaryDirectory(prefix="gwb-numba-cache-") as cache_dir:
        load_before = os.getloadavg()[0]
        cold = fresh_process(cache_dir, graph_name)
        warm = fresh_process(cache_dir, graph_name)
    return {"graph": graph_name, "load_1min": load_before, "cold": cold, "warm": warm}


def first_results_s(run: dict, clock: str = "") -> float:
    """Import plus the five engines' first results: what the issue's goals count.

    ``clock`` is ``""`` for wall seconds, ``"cpu_"`` for the process's CPU seconds.
    """
    return run[f"import_{clock}s"] + sum(run[f"engines_{clock}s"].values())


def report(result: dict, before: dict | None = None, top: int = 15) -> str:
    """The first-results table and the per-kernel compile table, with ``before`` beside."""
    lines = [
        f"first results on {result['graph']} in a fresh process "
        f"(load average {result['load_1min']:.2f} before the cold run)",
        "",
    ]
    columns = [(run, clock) for run in ("cold", "warm") for clock in ("", "cpu_")]

    def title(run: str, clock: str) -> str:
        return f"{run} {'cpu' if clock else 'wall'}"

    header = f"{'step':<16}" + "".join(f"{title(*c):>11}" for c in columns)
    if before:
        header += "".join(f"{'was ' + title(*c):>15}" for c in columns)
    lines += [header]
    steps = [("import engine", lambda r, clock: r[f"import_{clock}s"])]
    steps += [(name, lambda r, clock, name=name: r[f"engines_{clock}s"][name]) for name in ENGINES]
    steps += [("total", lambda r, clock: first_results_s(r, clock))]
    for label, value in steps:
        row = f"{label:<16}" + "".join(f"{value(result[r], c):>11.2f}" for r, c in columns)
        if before:
            row += "".join(f"{value(before[r], c):>15.2f}" for r, c in columns)
        lines.append(row)
    lines += ["", f"per-kernel compile time, cold run (top {top}; own CPU s, callees excluded)"]
    previous = {k["kernel"]: k for k in before["cold"]["kernels"]} if before else {}
    header = f"{'kernel':<58}{'own s':>8}{'sigs':>6}  {'first compiled by':<16}"
    if before:
        header += f"{'before s':>10}{'sigs':>6}"
    lines.append(header)
    kernels = result["cold"]["kernels"]
    shown = kernels[:top]
    if before:
        # The heaviest kernels of before stay in the table even when they are gone now.
        names = {k["kernel"] for k in shown}
        shown += [
            {"kernel": k["kernel"], "own_s": 0.0, "signatures": 0, "first": "-"}
            for k in before["cold"]["kernels"][:top]
            if k["kernel"] not in names and k["kernel"] not in {x["kernel"] for x in kernels}
        ]
    for kernel in shown:
        row = (
            f"{kernel['kernel'][-58:]:<58}{kernel['own_s']:>8.2f}{kernel['signatures']:>6}  "
            f"{kernel['first']:<16}"
        )
        if before:
            old = previous.get(kernel["kernel"])
            row += f"{old['own_s']:>10.2f}{old['signatures']:>6}" if old else f"{'-':>10}{'-':>6}"
        lines.append(row)
    total = sum(k["own_s"] for k in kernels)
    row = f"{'all ' + str(len(kernels)) + ' kernels':<58}{total:>8.2f}"
    row += f"{sum(k['signatures'] for k in kernels):>6}"
    if before:
        old_kernels = before["cold"]["kernels"]
        row += f"{'':<18}{sum(k['own_s'] for k in old_kernels):>10.2f}"
        row += f"{sum(k['signatures'] for k in old_kernels):>6}"
    lines.append(row)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure, print the tables, optionally save them or set them beside a saved run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", default="karate")
    parser.add_argument("--json", help="save the measurement to this file")
    parser.add_argument("--compare", help="a measurement saved before, shown beside")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        print(json.dumps(child(arguments.graph)))
        return
    result = measure(arguments.graph)
    if arguments.json:
        with open(arguments.json, "w") as out:
            json.dump(result, out, indent=1)
    before = None
    if arguments.compare:
        with open(arguments.compare) as saved:
            before = json.load(saved)
    print(report(result, before, arguments.top))


if __name__ == "__main__":
    main()
