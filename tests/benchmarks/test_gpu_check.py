"""``make gpu-check`` without a GPU: its one line, its table, its dry run, its generator."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from benchmarks import gpu_check, gpu_measure
from benchmarks.gpu_measure import Row

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_gpu_it_prints_one_line_and_exits_0(monkeypatch, capsys):
    monkeypatch.setattr(gpu_check, "probe_gpu", lambda: (False, "nvidia-smi not found"))
    assert gpu_check.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["no CUDA GPU here: gpu-check skipped (nvidia-smi not found)"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_gpu_check_on_this_machine():
    """The real target and probe: one line here (CI has no GPU), or a whole table."""
    if shutil.which("nvidia-smi"):
        pytest.skip("this machine has nvidia-smi: make gpu-check would run for minutes")
    done = subprocess.run(
        ["make", "--no-print-directory", "gpu-check", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [done.stdout.strip()]
    assert done.stdout.startswith("no CUDA GPU here: gpu-check skipped")


def test_table_reports_speed_ups_goals_and_agreement():
    rows = [
        Row("walk steps/s", "g", gpu=3e9, cpu=1e8, goal="GPU ≥ 2e9", goal_met=True,
            agreement="bit-equal"),
        Row("FastRP seconds", "h", gpu=2.0, cpu=8.0, bigger_is_better=False,
            goal="GPU ≤ 5 s", goal_met=False),
        Row("FastRP seconds", "k", cpu=8.0, bigger_is_better=False, note="no GPU run"),
        Row("pytest -m gpu", "3 files", agreement="5 passed in 9.1s"),
    ]  # fmt: skip
    lines = gpu_check.format_table(rows).splitlines()
    assert lines[0].startswith("| check | size | GPU | CPU | speed-up |")
    assert len(lines) == 2 + len(rows)
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    assert "| 3.00e+09 | 1.00e+08 | 30.0× | GPU ≥ 2e9: met | bit-equal |" in lines[2]
    assert "| 2.00 | 8.00 | 4.0× | GPU ≤ 5 s: MISSED |" in lines[3]
    assert "| — | 8.00 |  |" in lines[4]
    assert lines[5] == "| pytest -m gpu | 3 files |  |  |  |  | 5 passed in 9.1s |  |"


def test_dry_run_runs_every_step_end_to_end():
    """The whole script on NumPy and the CUDA simulator: every GPU path equals its twin."""
    pytest.importorskip("numba.cuda")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu_check", "--dry-run-cpu"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    checks = [line.split(" | ")[0].lstrip("| ") for line in table[1:]]
    assert checks == [
        "walk steps/s (visit counts)",
        "walk steps/s (end points)",
        *["FastRP seconds (engine.fastrp)", "FastRP seconds (graph already on the GPU)"] * 2,
        "MinHash signatures/s",
    ]
    assert sum("bit-equal" in line for line in table) == 3
    assert sum("allclose" in line for line in table) == 2
    assert "MISSED" not in done.stdout and "DIFFER" not in done.stdout


GPU_MODE_ON_NUMPY = textwrap.dedent("""
    import sys, types, warnings
    warnings.simplefilter("ignore")
    import numpy as np, scipy.sparse as sp
    cupy = types.ModuleType("cupy")
    cupy.__getattr__ = lambda name: getattr(np, name)
    cupy.asnumpy = np.asarray
    cupy.cuda = types.SimpleNamespace(
        Device=lambda: types.SimpleNamespace(synchronize=lambda: None))
    cupyx = types.ModuleType("cupyx")
    cupyx.scipy = types.ModuleType("cupyx.scipy")
    cupyx.scipy.sparse = types.ModuleType("cupyx.scipy.sparse")
    cupyx.scipy.sparse.csr_matrix = sp.csr_matrix
    sys.modules.update({"cupy": cupy, "cupyx": cupyx, "cupyx.scipy": cupyx.scipy,
                        "cupyx.scipy.sparse": cupyx.scipy.sparse})
    from benchmarks import gpu_measure
    device = gpu_measure.Device("gpu")
    for step in gpu_measure.STEPS.values():
        for row in step(device, gpu_measure.TINY):
            assert row.ok and row.gpu is not None, row
    print("ran")
""")


def test_gpu_mode_runs_with_numpy_as_cupy_under_the_simulator():
    """The branches only a GPU takes (synchronise, asnumpy, goals), on tiny sizes."""
    pytest.importorskip("numba.cuda")
    done = subprocess.run(
        [sys.executable, "-c", GPU_MODE_ON_NUMPY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_ENABLE_CUDASIM": "1"},
    )
    assert done.stdout.strip() == "ran", done.stderr[-3000:]


def test_a_step_that_hangs_costs_one_row_not_the_run():
    rows = gpu_check.run_step("walks", "sim", timeout=1.0)
    assert [(row.check, row.ok) for row in rows] == [("walks", False)]
    assert rows[0].note == "timed out after 1 s"


def test_missing_packages_install_from_a_wheel_folder(monkeypatch, tmp_path):
    for name in ("cupy_cuda13x-14.0-cp312-none-any.whl", "datasketch-1.6-py3-none-any.whl"):
        (tmp_path / name).write_bytes(b"")
    calls = []
    answers = iter([["cupy", "datasketch"], []])
    monkeypatch.setattr(gpu_check, "missing_modules", lambda: next(answers))
    monkeypatch.setattr(
        gpu_check, "_run", lambda command, timeout: calls.append(command) or (0, "", "")
    )
    row = gpu_check.ensure_packages(str(tmp_path), 60)
    assert calls[0][-5:] == [
        "--no-index",
        "--find-links",
        str(tmp_path),
        str(tmp_path / "cupy_cuda13x-14.0-cp312-none-any.whl"),
        str(tmp_path / "datasketch-1.6-py3-none-any.whl"),
    ]
    assert row.ok and row.agreement == "installed"
    monkeypatch.setattr(gpu_check, "missing_modules", lambda: [])
    assert gpu_check.ensure_packages(None, 60) is None


def test_missing_gpu_packages_install_the_gpu_extra(monkeypatch):
    calls = []
    answers = iter([["numba_cuda"], ["numba_cuda"]])
    monkeypatch.setattr(gpu_check, "missing_modules", lambda: next(answers))
    monkeypatch.setattr(
        gpu_check, "_run", lambda command, timeout: calls.append(command) or (1, "", "no network")
    )
    row = gpu_check.ensure_packages(None, 60)
    assert calls[0][-2:] == ["-e", f"{gpu_check.ROOT}[gpu]"]
    assert not row.ok and row.agreement == "still missing: numba_cuda"


def test_the_gpu_tests_are_found():
    files = gpu_check.gpu_test_files()
    assert "tests/engine/test_embed.py" in files
    assert "tests/engine/pagerank/test_walks.py" in files


def test_rmat_has_the_edges_asked_for_sorted_distinct_and_skewed():
    indptr, indices = gpu_measure.rmat_csr(np, 10, 8_000, seed=3)
    assert indptr.shape == (1025,) and int(indptr[-1]) == 8_000
    assert indices.dtype == np.int32 and indptr.dtype == np.int64
    rows = np.repeat(np.arange(1024), np.diff(indptr))
    keys = rows * 1024 + indices
    assert (np.diff(keys) > 0).all()  # sorted within rows, no repeated edge
    degrees = np.diff(indptr)
    assert degrees.max() > 8 * degrees.mean()  # R-MAT's heavy tail, not a uniform graph
    again = gpu_measure.rmat_csr(np, 10, 8_000, seed=3)
    assert np.array_equal(again[0], indptr) and np.array_equal(again[1], indices)


def test_symmetric_rmat_is_an_undirected_graph_without_self_loops():
    indptr, indices = gpu_measure.rmat_csr(np, 9, 4_000, seed=2, symmetric=True)
    matrix = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(512, 512))
    assert matrix.nnz == 4_000 and (matrix != matrix.T).nnz == 0
    assert matrix.diagonal().sum() == 0


def test_the_kernel_probe_runs_under_the_simulator():
    """The probe itself is a working numba-cuda program (here on the CUDA simulator)."""
    pytest.importorskip("numba.cuda")
    code, _, err = gpu_check._run([sys.executable, "-c", gpu_check.KERNEL_PROBE], 120, True)
    assert code == 0, err[-2000:]


def _scripted_run(monkeypatch, answers):
    """``_run`` answering ``answers`` in turn; returns the commands it was given."""
    calls, answers = [], iter(answers)
    monkeypatch.setattr(
        gpu_check, "_run", lambda command, timeout, *_: calls.append(command) or next(answers)
    )
    return calls


ROW_STACK = "AttributeError: module 'numpy' has no attribute 'row_stack'"


def test_a_numpy_too_new_for_numba_cuda_is_pinned_from_the_wheels(monkeypatch, tmp_path):
    calls = _scripted_run(monkeypatch, [(1, "", ROW_STACK), (0, "", ""), (0, "", "")])
    row = gpu_check.ensure_numba_cuda_compiles(str(tmp_path), 60)
    assert calls[1][-4:] == ["--no-index", "--find-links", str(tmp_path), "numpy<2.5"]
    assert calls[2] == calls[0]  # probed again after the install
    assert row.ok and row.agreement == "mended: installed numpy<2.5"


def test_a_failed_pin_or_another_breakage_is_a_failed_row(monkeypatch):
    _scripted_run(monkeypatch, [(1, "", ROW_STACK), (1, "", "ERROR: no matching distribution")])
    row = gpu_check.ensure_numba_cuda_compiles(None, 60)
    assert not row.ok and "no matching distribution" in row.note
    _scripted_run(monkeypatch, [(1, "", "CudaSupportError: no driver")])
    row = gpu_check.ensure_numba_cuda_compiles(None, 60)
    assert not row.ok and row.agreement == "BROKE" and "no driver" in row.note
    _scripted_run(monkeypatch, [(0, "", "")])
    assert gpu_check.ensure_numba_cuda_compiles(None, 60) is None
