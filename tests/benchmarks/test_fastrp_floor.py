"""benchmarks/fastrp.py calls a kernel directly, so a kernel signature change must reach it."""

import numpy as np

import engine
from benchmarks.fastrp import floor_per_step


def test_floor_per_step_runs_the_current_kernel():
    seconds = floor_per_step(engine.sample("planted"), 16, 1)
    assert np.isfinite(seconds) and seconds > 0
