"""``make gpu-check``: every GPU code path run on a real GPU, against its CPU twin, in one table.

On a machine with a CUDA GPU it makes sure CuPy and numba-cuda (and the project's own
dependencies) import, installing what is missing, and that a numba-cuda kernel
compiles (pinning NumPy below 2.5 where numba-cuda needs it); runs every test marked ``gpu``;
then runs the measurements of :mod:`benchmarks.gpu_measure` (walk steps/s, FastRP on
R-MAT graphs of 10M and 100M edges at dim 128, MinHash signatures/s), each GPU result
checked against the CPU twin's; and prints one Markdown table, ready for an issue
note. Every step runs in its own process under its own timeout, inside a 5-minute
budget, so that a hang costs one row and not the run. Exit status 1 when a test
failed, a step broke or a GPU result differs from its CPU twin; a missed speed goal
is reported, not failed.

Without a GPU it prints one line saying so and exits 0 (that is CI).

``--dry-run-cpu`` runs the same steps without a GPU, tiny: NumPy in CuPy's place and
the numba-cuda kernels under ``NUMBA_ENABLE_CUDASIM=1``; CI runs it to show the
script works end to end. ``--cpu-only`` measures the CPU column at full size.

Examples
--------
>>> print(format_table([Row("walk steps/s", "R-MAT", gpu=2.5e9, cpu=1e8, goal="GPU ≥ 2e9",
...                         goal_met=True, agreement="bit-equal")]).splitlines()[2])
| walk steps/s | R-MAT | 2.50e+09 | 1.00e+08 | 25.0× | GPU ≥ 2e9: met | bit-equal |  |
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.gpu_measure import Row

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 300.0
# Each step's own ceiling (seconds); the 5-minute budget caps the sum as the run goes.
STEP_TIMEOUTS = {
    "install": 60.0,
    "numba-cuda": 60.0,
    "tests": 100.0,
    "walks": 80.0,
    "fastrp": 110.0,
    "minhash": 60.0,
}
# Importable module -> what pip installs when it is missing.
NEEDED = {
    "cupy": "cupy-cuda12x>=13",
    "numba_cuda": "numba-cuda>=0.10",
    "datasketch": "datasketch>=1.6",
    "scipy": "scipy>=1.11",
    "pandas": "pandas>=2.1",
    "pyarrow": "pyarrow>=15",
    "pytest": "pytest>=8",
}


# What a failed test or step printed, shown under the table: a GPU session gets one run.
DETAILS: list[str] = []


def _child_env(simulate: bool = False) -> dict[str, str]:
    """The environment of a step: the checkout importable without installing it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    if simulate:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    return env


def _run(command: list[str], timeout: float, simulate: bool = False):
    """``(returncode, stdout, stderr)``; returncode None when ``timeout`` ran out."""
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=max(timeout, 1.0),
            cwd=ROOT,
            env=_child_env(simulate),
        )
    except subprocess.TimeoutExpired as expired:
        return None, _text(expired.stdout), _text(expired.stderr)
    except OSError as error:  # the program itself is missing
        return 127, "", str(error)
    return done.returncode, done.stdout, done.stderr


def _text(output) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def probe_gpu() -> tuple[bool, str]:
    """``(found, what)``: a CUDA GPU by ``nvidia-smi``, else by CuPy; ``what`` names it or
    says why none was found. Both run in a child process, under a timeout, so a broken
    driver cannot hang the check."""
    reasons = []
    if shutil.which("nvidia-smi"):
        code, out, err = _run(["nvidia-smi", "-L"], 30)
        if code == 0 and "GPU" in out:
            return True, out.strip().splitlines()[0]
        reasons.append(f"nvidia-smi lists no GPU ({(err or out).strip()[:80] or code})")
    else:
        reasons.append("nvidia-smi not found")
    code, out, err = _run(
        [sys.executable, "-c", "import cupy; print(cupy.cuda.runtime.getDeviceCount())"], 60
    )
    if code == 0 and out.strip().isdigit() and int(out) > 0:
        return True, f"{int(out)} CUDA device(s) by CuPy"
    reasons.append("CuPy not installed" if "ModuleNotFoundError" in err else "CuPy found none")
    return False, "; ".join(reasons)


def missing_modules() -> list[str]:
    """The modules of :data:`NEEDED` this interpreter cannot import."""
    code = (
        "import importlib.util as u, json; print(json.dumps([m for m in {} if not u.find_spec(m)]))"
    )
    status, out, _ = _run([sys.executable, "-c", code.format(sorted(NEEDED))], 60)
    return json.loads(out) if status == 0 else sorted(NEEDED)


def ensure_packages(wheels: str | None, timeout: float) -> Row | None:
    """Install what is missing: every wheel in the folder ``wheels`` when given (an
    offline GPU machine), else from the index: the ``gpu`` extra for CuPy or numba-cuda
    (only when missing: an image's own CuPy for its CUDA stays), the rest by name."""
    missing = missing_modules()
    if not missing:
        return None
    gpu_missing = [NEEDED[m] for m in missing if m in ("cupy", "numba_cuda")]
    requirements = [NEEDED[m] for m in missing if m not in ("cupy", "numba_cuda")]
    # Offline (a GPU image often is), fail in seconds rather than retry for minutes.
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--retries",
        "0",
        "--timeout",
        "10",
    ]
    command.append("--disable-pip-version-check")
    if wheels:
        # Every wheel carried in: the folder holds what this machine needs (e.g. CuPy for
        # its CUDA), which the requirement names above may not spell.
        command += ["--no-index", "--find-links", wheels]
        command += sorted(str(path) for path in Path(wheels).glob("*.whl"))
    else:
        command += (["-e", f"{ROOT}[gpu]"] if gpu_missing else []) + requirements
    code, _, err = _run(command, timeout)
    still = missing_modules()
    return Row(
        "install",
        ", ".join(missing),
        agreement="installed" if not still else "still missing: " + ", ".join(still),
        ok=not still,
        note="" if code == 0 else f"pip: {(err.strip().splitlines() or ['timed out'])[-1][:120]}",
    )


# Compiles and runs one numba-cuda kernel: the first compile is where a numba-cuda too old
# for the image's NumPy breaks (numba-cuda 0.30 calls np.row_stack, gone in NumPy 2.5).
KERNEL_PROBE = """
import numpy as np
from numba import cuda

@cuda.jit
def fill(values):
    i = cuda.grid(1)
    if i < values.size:
        values[i] = i

values = cuda.to_device(np.zeros(4))
fill[1, 4](values)
assert values.copy_to_host().tolist() == [0.0, 1.0, 2.0, 3.0]
"""
# What NumPy must stay below for the numba-cuda releases that call np.row_stack.
NUMPY_FOR_NUMBA_CUDA = "numpy<2.5"


def ensure_numba_cuda_compiles(wheels: str | None, timeout: float) -> Row | None:
    """None when a numba-cuda kernel compiles and runs; else one row saying why not.

    The one breakage seen on a GPU image, numba-cuda calling ``np.row_stack`` that
    the image's NumPy no longer has, is mended here by installing a NumPy below 2.5
    (from ``wheels`` when given) and probing again: without it every numba-cuda test
    and measurement would fail with the same ``AttributeError``."""
    started = time.monotonic()
    code, _, err = _run([sys.executable, "-c", KERNEL_PROBE], timeout)
    if code == 0:
        return None
    if code is None or "row_stack" not in err:
        why = "timed out" if code is None else _last_error(err)
        DETAILS.append(f"### numba-cuda kernel\n{err[-3000:]}")
        return Row("numba-cuda kernel", agreement="BROKE", ok=False, note=why)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if wheels:
        command += ["--no-index", "--find-links", wheels]
    code, _, pip_err = _run([*command, NUMPY_FOR_NUMBA_CUDA], timeout)
    left = timeout - (time.monotonic() - started)
    mended = code == 0 and _run([sys.executable, "-c", KERNEL_PROBE], left)[0] == 0
    note = "numba-cuda calls np.row_stack, which this NumPy lacks"
    if code != 0:
        note += f"; pip: {(pip_err.strip().splitlines() or ['timed out'])[-1][:120]}"
    return Row(
        "numba-cuda kernel",
        agreement=f"mended: installed {NUMPY_FOR_NUMBA_CUDA}" if mended else "BROKE",
        ok=mended,
        note=note,
    )


def gpu_test_files() -> list[str]:
    """The test files that hold a test marked ``gpu``."""
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("test_*.py")
        if "mark.gpu" in path.read_text(encoding="utf-8")
    )


def run_gpu_tests(timeout: float) -> Row:
    """``pytest -m gpu`` over the files that hold such tests: ``addopts`` (which
    deselects ``slow`` and collects doctests from every package) is replaced, so
    that no test is deselected and no front-end module must import."""
    files = gpu_test_files()
    command = [sys.executable, "-m", "pytest", "-q", "-m", "gpu", "-o", "addopts=-ra"]
    code, out, err = _run([*command, "-p", "no:cacheprovider", *files], timeout)
    summary = next(
        (
            line.strip("= ")
            for line in reversed(out.splitlines())
            if re.search(r"\d+ \w+ in ", line)
        ),
        "timed out" if code is None else (err.strip().splitlines() or ["no summary"])[-1][:120],
    )
    failed = code != 0 or "skipped" in summary
    if failed:
        DETAILS.append(f"### pytest -m gpu\n{(out + err)[-6000:]}")
    return Row("pytest -m gpu", f"{len(files)} files", agreement=summary, ok=not failed)


def run_step(step: str, mode: str, timeout: float) -> list[Row]:
    """The rows of one :mod:`benchmarks.gpu_measure` step, or one row saying why there are none."""
    command = [sys.executable, "-m", "benchmarks.gpu_measure", step, "--mode", mode]
    code, out, err = _run(command, timeout, simulate=mode == "sim")
    rows = [Row(**json.loads(line[4:])) for line in out.splitlines() if line.startswith("ROW ")]
    if code == 0 and rows:
        return rows
    why = f"timed out after {timeout:.0f} s" if code is None else _last_error(err)
    DETAILS.append(f"### {step}\n{err[-3000:]}")
    return [*rows, Row(step, ok=False, agreement="BROKE", note=why)]


def _last_error(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "no output")[:160]


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2e}" if abs(value) >= 1e4 or 0 < abs(value) < 1e-2 else f"{value:.2f}"


def format_table(rows: list[Row]) -> str:
    """The rows as one Markdown table: GPU, CPU, the GPU's speed-up, goal, agreement."""
    header = ["check", "size", "GPU", "CPU", "speed-up", "goal", "GPU = CPU", "note"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        speedup = ""
        if row.gpu and row.cpu:
            ratio = row.gpu / row.cpu if row.bigger_is_better else row.cpu / row.gpu
            speedup = f"{ratio:.1f}×"
        goal = row.goal
        if row.goal and row.goal_met is not None:
            goal += ": met" if row.goal_met else ": MISSED"
        measured = row.gpu is not None or row.cpu is not None
        cells = [
            row.check,
            row.size,
            _number(row.gpu) if measured else "",
            _number(row.cpu) if measured else "",
            speedup,
            goal,
            row.agreement,
            row.note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _progress(what: str, started: float) -> None:
    """One line on stderr as each step ends: a run cut short still shows how far it got."""
    print(f"gpu-check: {what} ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--dry-run-cpu", action="store_true", help="tiny, NumPy + CUDA simulator")
    how.add_argument("--cpu-only", action="store_true", help="the CPU column at full size")
    parser.add_argument("--skip-tests", action="store_true", help="no pytest -m gpu")
    parser.add_argument(
        "--wheels",
        default=os.environ.get("GWB_WHEELS") or None,
        help="install missing packages from this folder of wheels only (an offline machine)",
    )
    parser.add_argument("--budget", type=float, default=BUDGET_S, help="seconds for everything")
    args = parser.parse_args(argv)

    started = time.monotonic()
    mode = "sim" if args.dry_run_cpu else "cpu" if args.cpu_only else "gpu"
    if mode == "gpu":
        found, what = probe_gpu()
        if not found:
            print(f"no CUDA GPU here: gpu-check skipped ({what})")
            return 0
    else:
        what = "no GPU: " + (
            "NumPy and the CUDA simulator, tiny sizes" if mode == "sim" else "CPU only"
        )

    def left(step: str) -> float:
        return min(STEP_TIMEOUTS.get(step, 120.0), args.budget - (time.monotonic() - started))

    rows: list[Row] = []
    if mode == "gpu":
        installed = ensure_packages(args.wheels, left("install"))
        rows += [installed] if installed else []
        compiles = ensure_numba_cuda_compiles(args.wheels, left("numba-cuda"))
        rows += [compiles] if compiles else []
        if not args.skip_tests:
            rows.append(run_gpu_tests(left("tests")))
            _progress(f"pytest -m gpu: {rows[-1].agreement}", started)
    for step in ("walks", "fastrp", "minhash"):
        remaining = left(step)
        if remaining < 5:
            rows.append(
                Row(step, ok=False, agreement="NOT RUN", note="the 5-minute budget ran out")
            )
            continue
        rows += run_step(step, mode, remaining)
        _progress(f"{step} done", started)
    cores = os.cpu_count()
    print(f"gpu-check: {what}; {cores} CPU cores; {time.monotonic() - started:.0f} s\n")
    print(format_table(rows))
    failed = [row.check for row in rows if not row.ok]
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
        print("\n".join(["", *DETAILS]))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
