"""Long runs on the command line: the estimate first, the question above the threshold,
``--yes``, and Ctrl-C leaving no output behind."""

import io
import sys

import numpy as np
import pandas as pd
import pytest

import engine
from app.long_run import CONFIRM_ENV, Eta, format_left, seconds_left
from engine.graphlets.cost import orbit_counts_estimate
from tests.app.test_cli import gwb, run_in_process


def test_orbits_prints_the_estimate_before_it_runs(tmp_path):
    output = tmp_path / "orbits.parquet"
    result = gwb("orbits", "sample:karate", "-o", str(output))
    assert result.returncode == 0, result.stderr
    expected = orbit_counts_estimate(engine.sample("karate"), 4)
    assert result.stderr.splitlines()[0] == str(expected)
    quiet = gwb("orbits", "sample:karate", "-o", str(output), "--quiet")
    assert str(expected) not in quiet.stderr


def test_5_node_orbits_print_their_own_estimate(tmp_path):
    result = gwb("orbits", "sample:karate", "-o", str(tmp_path / "o.csv"), "--size", "5")
    assert result.returncode == 0, result.stderr
    expected = orbit_counts_estimate(engine.sample("karate"), 5)
    assert result.stderr.splitlines()[0] == str(expected)


def test_a_long_run_without_a_terminal_is_refused_naming_yes(tmp_path, monkeypatch):
    monkeypatch.setenv(CONFIRM_ENV, "0")  # every run is "long"
    output = tmp_path / "orbits.parquet"
    result = gwb("orbits", "sample:karate", "-o", str(output))
    assert result.returncode == 1
    estimate_line, error = result.stderr.splitlines()
    assert estimate_line == str(orbit_counts_estimate(engine.sample("karate"), 4))
    assert error.startswith("gwb: error: estimated about ")
    assert f"${CONFIRM_ENV}" in error and "pass --yes to run it" in error
    assert not output.exists()


def test_yes_runs_a_long_run(tmp_path, monkeypatch):
    monkeypatch.setenv(CONFIRM_ENV, "0")
    output = tmp_path / "orbits.parquet"
    result = gwb("orbits", "sample:karate", "-o", str(output), "--yes")
    assert result.returncode == 0, result.stderr
    counts = pd.read_parquet(output).iloc[:, 1:].to_numpy()
    np.testing.assert_array_equal(counts, engine.orbit_counts(engine.sample("karate")))


def test_yes_lifts_the_engines_own_limit(tmp_path, capsys, monkeypatch):
    """Asked once: after --yes (or under the threshold) the engine runs with no limit of its own."""
    seen = []
    real = engine.orbit_counts

    def recording(g, progress=None, *, client=None, graphlet_size=4, max_seconds=1800.0):
        seen.append(max_seconds)
        return real(g, progress, client=client, graphlet_size=graphlet_size)

    monkeypatch.setattr(engine, "orbit_counts", recording)
    output = str(tmp_path / "o.csv")
    assert run_in_process(capsys, monkeypatch, "orbits", "sample:karate", "-o", output)[0] == 0
    monkeypatch.setenv(CONFIRM_ENV, "0")
    code, _ = run_in_process(capsys, monkeypatch, "orbits", "sample:karate", "-o", output, "-y")
    assert code == 0
    assert seen == [None, None]


def test_the_engines_own_refusal_names_yes(tmp_path, capsys, monkeypatch):
    """A call the CLI had no estimate for, refused by the engine: the message says the option."""
    from engine.estimate import LongRunError

    def refused(*args, **kwargs):
        estimate = orbit_counts_estimate(engine.sample("karate"), 4)
        raise LongRunError(estimate, 1.0, "Pass max_seconds=None to run it here anyway.")

    monkeypatch.setattr(engine, "orbit_counts", refused)
    monkeypatch.setattr("app.cli.orbits.estimate_of", lambda *args, **kwargs: None)
    code, err = run_in_process(
        capsys, monkeypatch, "orbits", "sample:karate", "-o", str(tmp_path / "o.csv")
    )
    assert code == 1
    assert "Pass --yes to run it here anyway." in err and "max_seconds" not in err


class Keyboard(io.StringIO):
    """Typed answers on a terminal's stdin."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code"), [("y\n", 0), ("n\n", 130), ("\n", 130)])
def test_on_a_terminal_a_long_run_asks(tmp_path, capsys, monkeypatch, answer, code):
    monkeypatch.setenv(CONFIRM_ENV, "0")
    monkeypatch.setattr(sys, "stdin", Keyboard(answer))
    output = tmp_path / "orbits.csv"
    got, err = run_in_process(capsys, monkeypatch, "orbits", "sample:karate", "-o", str(output))
    assert got == code
    assert "Continue? [y/N]" in err
    assert output.exists() == (code == 0)
    if code:
        assert err.endswith("gwb: cancelled\n")


def ctrl_c(done, total, stage):
    raise KeyboardInterrupt


def test_ctrl_c_during_the_count_cancels_and_writes_nothing(tmp_path, capsys, monkeypatch):
    real = engine.orbit_counts
    reached = []

    def interrupted(g, progress=None, **options):
        def report(done, total, stage):
            reached.append(stage)
            ctrl_c(done, total, stage)  # Ctrl-C arrives while the engine works

        return real(g, report, **options)

    monkeypatch.setattr(engine, "orbit_counts", interrupted)
    output = tmp_path / "orbits.parquet"
    code, err = run_in_process(capsys, monkeypatch, "orbits", "sample:karate", "-o", str(output))
    assert (code, err.splitlines()[-1]) == (130, "gwb: cancelled")
    assert reached == ["orbits"], "the engine stops at its first report"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_writing_leaves_no_half_file(tmp_path, capsys, monkeypatch):
    def half_then_ctrl_c(table, path, **kwargs):
        with open(path, "wb") as half:
            half.write(b"PAR1 half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_then_ctrl_c)
    output = tmp_path / "orbits.parquet"
    code, err = run_in_process(capsys, monkeypatch, "orbits", "sample:karate", "-o", str(output))
    assert (code, err.splitlines()[-1]) == (130, "gwb: cancelled")
    assert list(tmp_path.iterdir()) == [], "neither the file nor its temporary is left"


def test_ctrl_c_during_fastrp_writes_no_embedding(tmp_path, capsys, monkeypatch):
    real = engine.fastrp

    def interrupted(g, **options):
        return real(g, **{**options, "progress": ctrl_c})

    monkeypatch.setattr(engine, "fastrp", interrupted)
    output = tmp_path / "emb.parquet"
    code, err = run_in_process(capsys, monkeypatch, "embed", "sample:karate", "-o", str(output))
    assert (code, err.splitlines()[-1]) == (130, "gwb: cancelled")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_threshold_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(CONFIRM_ENV, "ten minutes")
    result = gwb("orbits", "sample:karate", "-o", str(tmp_path / "o.csv"))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"gwb: error: {CONFIRM_ENV} must be a number of seconds, at least 0; got 'ten minutes'"
    )


# --- the time left ---------------------------------------------------------------------


def test_time_left_is_the_pace_once_a_tenth_is_done():
    # 20 of 100 done in 4 s: 80 more at 5 a second.
    assert seconds_left(4.0, 20, 100) == pytest.approx(16.0)
    assert seconds_left(4.0, 20, 100, expected=1000.0) == pytest.approx(16.0)


def test_time_left_leans_on_the_estimate_while_little_is_done():
    early = seconds_left(0.1, 1, 100, expected=50.0)
    pace, by_estimate = 0.1 * 99, 50.0 * 0.99
    assert early == pytest.approx(0.1 * pace + 0.9 * by_estimate)
    assert seconds_left(0.0, 0, 100, expected=50.0) == 50.0


def test_a_new_stage_is_timed_afresh_without_the_estimate():
    ticks = iter([0.0, 5.0, 6.0, 8.0])
    eta = Eta(expected=100.0, clock=ticks.__next__)
    assert eta.left(50, 100, "orbits") == pytest.approx(5.0)  # 5 s for half
    assert eta.left(1, 4, "5-node orbits") is not None  # stage starts at 6 s
    assert eta.left(2, 4, "5-node orbits") == pytest.approx(2.0)  # 2 s for half of it


def test_time_left_reads_as_a_person_says_it():
    assert format_left(None) == ""
    assert format_left(42.0) == "about 42 s left"
    assert format_left(4 * 3600) == "about 4.0 h left"


# --- every heavy command ---------------------------------------------------------------

#: Each heavy command, on a sample, with the engine estimate it must print and that
#: estimate's arguments as the command's options set them.
HEAVY_COMMANDS = {
    "embed": (
        ["sample:karate", "--dim", "16", "--seed", "1"],
        ".npy",
        "fastrp_estimate",
        lambda g: ((g,), {"dim": 16, "iteration_weights": [0.0, 1.0, 1.0], "seed": 1}),
    ),
    "ppr": (
        ["sample:karate", "-s", "0", "-s", "33", "--top-k", "3"],
        ".csv",
        "ppr_batch_estimate",
        lambda g: ((g, [0, 33]), {"alpha": 0.15, "method": "hybrid", "top_k": 3, "eps": 0.5}),
    ),
    "similar": (
        ["sample:lesmis", "-n", "Valjean", "--num-perm", "64"],
        ".csv",
        "neighbourhood_index_estimate",
        lambda g: ((g, 64, 0.5), {}),
    ),
    "expand": (
        ["sample:planted", "-s", "0", "-s", "1", "--threshold", "0.4"],
        ".csv",
        "neighbourhood_index_estimate",
        lambda g: ((g, 128, 0.4), {}),
    ),
    "ncp": (
        ["sample:planted", "--seeds", "5", "--bins", "10"],
        ".csv",
        "ncp_estimate",
        lambda g: ((g,), {"n_seeds": 5, "sizes": 10}),
    ),
    "orbits": (
        ["sample:karate", "--size", "5"],
        ".csv",
        "orbit_counts_estimate",
        lambda g: ((g, 5), {}),
    ),
}


def heavy_command(name: str, tmp_path):
    """``(argv, output path, the estimate the command must print)``; skipped while the
    engine publishes no such estimate."""
    import engine.estimate

    options, suffix, estimate_name, arguments = HEAVY_COMMANDS[name]
    estimate = getattr(engine.estimate, estimate_name, None)
    if estimate is None:
        pytest.skip(f"engine.estimate has no {estimate_name} yet")
    output = tmp_path / f"out{suffix}"
    args, kwargs = arguments(engine.sample(options[0].removeprefix("sample:")))
    return [name, *options, "-o", str(output)], output, estimate(*args, **kwargs)


@pytest.mark.parametrize("name", list(HEAVY_COMMANDS))
def test_every_heavy_command_prints_its_estimate_first(name, tmp_path, capsys, monkeypatch):
    argv, output, expected = heavy_command(name, tmp_path)
    code, err = run_in_process(capsys, monkeypatch, *argv)
    assert code == 0, err
    assert err.splitlines()[0] == str(expected)
    assert output.exists()


@pytest.mark.parametrize("name", list(HEAVY_COMMANDS))
def test_every_heavy_command_refuses_a_long_run_without_yes(name, tmp_path, capsys, monkeypatch):
    argv, output, expected = heavy_command(name, tmp_path)
    monkeypatch.setenv(CONFIRM_ENV, str(expected.seconds / 2))
    code, err = run_in_process(capsys, monkeypatch, *argv)
    assert code == 1
    assert err.splitlines()[-1].endswith("pass --yes to run it")
    assert list(tmp_path.iterdir()) == []
    code, err = run_in_process(capsys, monkeypatch, *argv, "--yes")
    assert code == 0, err
    assert output.exists()
