"""The SpeedPPR runner of benchmarks/ppr.py, against a stand-in for the C++ binary
(a script that speaks its command line, reads the graph it was given and answers
with degree order), so that CI checks the input it writes and the output it reads."""

import os
import stat
import sys
import textwrap

import numpy as np
import pytest

from benchmarks.speedppr import SpeedPPR, parse_query_times, write_input
from loaders import Graph

STAND_IN = textwrap.dedent(
    """\
    import sys, numpy as np
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    with open(args["-meta"]) as meta:
        n = int(meta.readline().split("=")[1]); m = int(meta.readline().split("=")[1])
    pairs = np.fromfile(args["-graph_binary"], dtype=np.uint32).reshape(m, 2)
    if args["-algo"] == "BUILD_INDEX":
        open(args["-index_file"], "w").write("index")
        with open(args["-index_file"] + ".builds", "a") as log:
            log.write("1")
        print("0 vertices processed.\\nTime Used 1.500000000000")
        sys.exit()
    assert args["-algo"] == "SpeedPPR" and args["-epsilon"] == "0.5"
    with_index = args["-with_idx"] == "yes"
    assert with_index == ("-index_file" in args)
    degree = np.bincount(pairs[:, 0], minlength=n)
    sources = open(args["-query"]).read().split()[: int(args["-query_size"])]
    for k, s in enumerate(sources):
        print("-" * 50)
        print(f"Vertex ID: {s}")
        print(f"Time Used {0.001 * (k + 1) + (0.0 if with_index else 1.0):.12f}")
        if "-estimation_folder" in args:
            order = np.argsort(-degree, kind="stable")
            with open(f"{args['-estimation_folder']}/{s}_eps_0.5_.txt", "w") as out:
                for v in order:
                    out.write(f"{v}\\t{degree[v] / degree.sum()}\\n")
    print("Average Time Used 0.1")
    """
)


@pytest.fixture
def binary(tmp_path):
    script = tmp_path / "SpeedPPR"
    script.write_text(f"#!{sys.executable}\n" + STAND_IN)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _graph():
    return Graph.from_edges([0, 0, 0, 1, 2, 3], [1, 2, 3, 2, 3, 4])


def test_written_graph_is_ours_in_both_directions(tmp_path):
    g = _graph()
    write_input(g, tmp_path)
    assert (tmp_path / "attribute.txt").read_text() == f"n={g.n_nodes}\nm={g.nnz}\n"
    pairs = np.fromfile(tmp_path / "graph.bin", dtype=np.uint32).reshape(-1, 2)
    adjacency = g.to_scipy().tocoo()
    expected = sorted(zip(adjacency.row.tolist(), adjacency.col.tolist()))
    assert [tuple(p) for p in pairs.tolist()] == expected
    assert (1, 0) in expected and (0, 1) in expected
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_weighted_graphs_are_refused(tmp_path):
    g = Graph.from_edges([0, 1], [1, 2], [1.0, 2.0])
    with pytest.raises(ValueError, match="unweighted"):
        write_input(g, tmp_path)


def test_query_times_follow_their_sources():
    log = "Vertex ID: 7\nsomething\nTime Used 0.25\nVertex ID: 3\nTime Used 1e-3\nTime Used 9\n"
    assert parse_query_times(log) == {7: 0.25, 3: 0.001}


def test_runner_builds_the_index_once_and_reads_times_and_answers(tmp_path, binary):
    g = _graph()
    folder = tmp_path / "speedppr"
    runner = SpeedPPR(binary, folder, g)
    times, tops = runner.query([3, 1], with_index=True, top_k=2)
    assert times == {3: pytest.approx(0.001), 1: pytest.approx(0.002)}
    assert [t.tolist() for t in (tops[3], tops[1])] == [[0, 2], [0, 2]]  # highest degrees
    times, tops = runner.query([4], with_index=True)
    assert tops == {} and times[4] == pytest.approx(0.001)
    assert (folder / "index.bin.builds").read_text() == "1"
    times, _ = runner.query([4], with_index=False)
    assert times[4] == pytest.approx(1.001)
    # another graph in the same folder: inputs written again, index rebuilt
    SpeedPPR(binary, folder, Graph.from_edges([0, 1], [1, 2])).query([0])
    assert (folder / "index.bin.builds").read_text() == "11"


def test_a_failing_binary_is_reported(tmp_path):
    failing = tmp_path / "fails"
    failing.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
    failing.chmod(failing.stat().st_mode | stat.S_IEXEC)
    runner = SpeedPPR(failing, tmp_path / "f", _graph())
    with pytest.raises(RuntimeError, match="exited with 3: broken"):
        runner.build_index()
    assert os.path.exists(tmp_path / "f" / "graph.bin")
