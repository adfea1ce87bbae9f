"""The gwb command line, run as a subprocess: outputs and exit codes."""

import json
import os
import subprocess
import sys

import pytest

import engine
from tests.conftest import shared_dataset


def gwb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )


def test_convert_then_info(tmp_path):
    source = tmp_path / "edges.txt"
    source.write_text("a b\nb c\nc a\nc c\n")
    result = gwb(
        "convert", str(source), "-o", str(tmp_path / "g.gwb"), "--self-loops", "drop", "--json"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["nodes"], summary["edges"]) == (3, 3)
    info = json.loads(gwb("info", str(tmp_path / "g.gwb"), "--json").stdout)
    graph = engine.load(tmp_path / "g.gwb")
    assert info["edges"] == graph.n_edges and info["components"] == 1
    again = gwb("convert", str(source), "-o", str(tmp_path / "g.gwb"))
    assert again.returncode == 1 and "overwrite" in again.stderr


def test_info_on_a_sample_and_a_dataset():
    result = gwb("info", "sample:karate", "--json")
    assert json.loads(result.stdout)["attributes"] == ["club"]
    path = shared_dataset("email-eu-core", "email-Eu-core.txt")
    info = json.loads(gwb("info", path, "--json").stdout)
    assert info["nodes"] == 1005 and info["self_loops"] == 642


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("info", "missing.txt"), 1, "gwb: error: graph file not found: missing.txt"),
        (("info", "sample:nope"), 1, "gwb: error: no sample graph 'nope'"),
        (("info",), 2, "Missing argument"),
        (("convert", "x.txt"), 2, "Missing option"),
        (("frobnicate",), 2, "No such command"),
    ],
)
def test_errors_and_exit_codes(args, code, message):
    result = gwb(*args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_line_message(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2\n3\n")
    result = gwb("convert", str(bad), "-o", str(tmp_path / "bad.gwb"))
    assert result.returncode == 1
    assert f"{bad}:2: expected at least 2 columns" in result.stderr
    assert not (tmp_path / "bad.gwb").exists()
