"""benchmarks/ppr.py drives walk kernels directly, so a kernel signature change must reach it."""

import engine
from benchmarks.ppr import walk_rates


def test_walk_rates_runs_the_current_kernels(capsys):
    walk_rates(engine.sample("planted"), 7)
    assert "walk steps/s" in capsys.readouterr().out
