"""benchmarks/ppr.py drives walk kernels directly, so a kernel signature change must reach it."""

import os

import numba

import engine
from benchmarks.ppr import on_cores, walk_rates


def test_walk_rates_runs_the_current_kernels(capsys):
    summary = walk_rates(engine.sample("planted"), 7)
    assert "walk steps/s" in capsys.readouterr().out
    assert "floor" in summary and "hybrid's" in summary


def test_on_cores_pins_and_restores():
    cpus, threads = os.sched_getaffinity(0), numba.get_num_threads()
    with on_cores(1):
        assert len(os.sched_getaffinity(0)) == 1 and numba.get_num_threads() == 1
    assert os.sched_getaffinity(0) == cpus and numba.get_num_threads() == threads
