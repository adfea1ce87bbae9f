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


def gwb_ok(*args: str) -> subprocess.CompletedProcess:
    """``gwb(*args)``, which must succeed (its stderr shown when it does not)."""
    result = gwb(*args)
    assert result.returncode == 0, result.stderr
    return result


def gwb_json(*args: str) -> dict:
    """The ``--json`` summary of a ``gwb`` run that must succeed."""
    return json.loads(gwb_ok(*args, "--json").stdout)


def test_convert_then_info(tmp_path):
    source = tmp_path / "edges.txt"
    source.write_text("a b\nb c\nc a\nc c\n")
    summary = gwb_json(
        "convert", str(source), "-o", str(tmp_path / "g.gwb"), "--self-loops", "drop"
    )
    assert (summary["nodes"], summary["edges"]) == (3, 3)
    info = json.loads(gwb("info", str(tmp_path / "g.gwb"), "--json").stdout)
    graph = engine.load(tmp_path / "g.gwb")
    assert info["edges"] == graph.n_edges and info["components"] == 1
    again = gwb("convert", str(source), "-o", str(tmp_path / "g.gwb"))
    assert again.returncode == 1
    assert (
        again.stderr == f"gwb: error: {tmp_path / 'g.gwb'} exists; pass --overwrite to replace it\n"
    )
    assert gwb_json("convert", str(source), "-o", str(tmp_path / "g.gwb"), "--overwrite")


def test_a_store_that_appears_during_convert_names_the_option(tmp_path, capsys, monkeypatch):
    """The store's own error (for notebooks: overwrite=True) is said as the CLI's option."""

    def appeared(graph, path, *, overwrite=False):
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")

    monkeypatch.setattr(engine.Graph, "save", appeared)
    source = tmp_path / "edges.txt"
    source.write_text("a b\n")
    code, err = run_in_process(
        capsys, monkeypatch, "convert", str(source), "-o", str(tmp_path / "g.gwb")
    )
    assert code == 1
    assert err == f"gwb: error: {tmp_path / 'g.gwb'} exists; pass --overwrite to replace it\n"


def test_the_readme_convert_example_runs_and_drops_self_loops(tmp_path):
    """The README's `gwb convert` line, run as written on a small file with a self-loop."""
    import re
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    (line,) = re.findall(r"^gwb convert .*$", readme, flags=re.MULTILINE)
    args = shlex.split(line, comments=True)[1:]
    assert args[:3] == ["convert", "graph.txt", "-o"]
    (tmp_path / "graph.txt").write_text("1 2 0.5\n2 3 2\n3 3 1\n")
    args[1], args[3] = str(tmp_path / "graph.txt"), str(tmp_path / "graph.gwb")
    summary = gwb_json(*args)
    assert (summary["directed"], summary["weighted"], summary["edges"]) == (True, True, 2)
    assert engine.load(tmp_path / "graph.gwb").n_self_loops == 0


def test_convert_with_a_node_table_and_weights(tmp_path):
    edges = tmp_path / "edges.csv"
    edges.write_text("Source,Target,Weight\nann,bo,2\nbo,cy,1\n")
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("Id,Label,team\nann,Ann,red\nbo,Bo,blue\ncy,Cy,red\ndee,Dee,green\n")
    store = tmp_path / "g.gwb"
    summary = gwb_json("convert", str(edges), "--nodes", str(nodes), "-o", str(store))
    assert (summary["nodes"], summary["weighted"]) == (4, True)
    assert summary["attributes"] == ["label", "team"]
    text = gwb("info", str(store)).stdout
    assert "weighted (column 3 ('Weight'))" in text
    assert "read: node table:" in text
    graph = engine.load(store)
    assert graph.attributes["team"].tolist() == ["red", "blue", "red", "green"]
    gwb_ok("convert", str(edges), "-o", str(tmp_path / "u.gwb"), "--weight-col", "none")
    assert not engine.load(tmp_path / "u.gwb").is_weighted


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


def test_embed_matches_the_engine(tmp_path):
    out = tmp_path / "emb.npy"
    options = ("--dim", "16", "--seed", "3", "--iteration-weights", "0,1,1,1", "--device", "cpu")
    assert gwb_json("embed", "sample:karate", "-o", str(out), *options)["dim"] == 16
    import numpy as np

    expected = engine.fastrp(
        engine.sample("karate"), dim=16, seed=3, iteration_weights=(0, 1, 1, 1), device="cpu"
    )
    np.testing.assert_array_equal(np.load(out), expected)
    run = json.load(open(str(out) + ".run.json"))
    assert run["parameters"]["iteration_weights"] == [0.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--iteration-weights", "0,x"), 2, "comma-separated numbers"),
        (("--dim", "0"), 2, "Invalid value for '--dim'"),
        (("--device", "tpu"), 1, "device must be one of"),
    ],
)
def test_embed_errors(tmp_path, args, code, message):
    result = gwb("embed", "sample:karate", "-o", str(tmp_path / "e.parquet"), *args)
    assert result.returncode == code
    assert message in result.stderr
    assert not (tmp_path / "e.parquet").exists()


def test_ppr_matches_the_engine(tmp_path):
    sources = tmp_path / "sources.txt"
    sources.write_text("0\n33\n")
    out = tmp_path / "ppr.parquet"
    options = ("--top-k", "5", "--method", "exact", "-o", str(out))
    assert gwb_json("ppr", "sample:karate", "-s", str(sources), *options)["rows"] == 10
    import pandas as pd

    table = pd.read_parquet(out)
    expected = engine.ppr_batch(engine.sample("karate"), [0, 33], method="exact", top_k=5)
    assert table["node"].tolist() == expected["node"].tolist()
    assert table["score"].tolist() == pytest.approx(expected["score"].tolist())


def test_ppr_errors(tmp_path):
    unknown = gwb("ppr", "sample:karate", "-s", "99")
    assert unknown.returncode == 1 and "node 99 not found" in unknown.stderr
    bad_alpha = gwb("ppr", "sample:karate", "-s", "0", "--alpha", "2")
    assert bad_alpha.returncode == 1 and "alpha must be in (0, 1)" in bad_alpha.stderr
    bad_out = gwb("ppr", "sample:karate", "-s", "0", "-o", str(tmp_path / "x.txt"))
    assert bad_out.returncode == 1 and "must end in .parquet or .csv" in bad_out.stderr
    assert list(tmp_path.iterdir()) == []


def test_similar_matches_the_engine_and_reuses_a_saved_index(tmp_path):
    from engine.similarity import NeighbourhoodIndex

    out = tmp_path / "similar.csv"
    index_path = tmp_path / "lesmis.npz"
    args = ("similar", "sample:lesmis", "-n", "Valjean", "-n", "Javert", "-k", "4")
    first = gwb_json(*args, "--index", str(index_path), "-o", str(out))
    assert index_path.exists() and first["rows"] == 8
    import pandas as pd

    table = pd.read_csv(out)
    index = NeighbourhoodIndex.build(engine.sample("lesmis"))
    expected = index.similar("Valjean", 4)
    assert table["node"].tolist()[:4] == expected["node"].tolist()
    assert table["jaccard"].tolist()[:4] == pytest.approx(expected["jaccard"].tolist())
    again = gwb(*args, "--index", str(index_path))
    assert again.returncode == 0 and "Valjean" in again.stdout
    unknown = gwb("similar", "sample:lesmis", "-n", "Nobody")
    assert unknown.returncode == 1 and "node 'Nobody' not found" in unknown.stderr


def test_expand_reports_members_and_conductance(tmp_path):
    from engine.similarity import NeighbourhoodIndex

    summary = gwb_json("expand", "sample:planted", "-s", "0", "-s", "1", "-s", "2")
    community = NeighbourhoodIndex.build(engine.sample("planted")).expand([0, 1, 2])
    assert summary["members"] == len(community)
    assert summary["conductance"] == pytest.approx(community.conductance, abs=1e-6)
    bad = gwb("expand", "sample:planted", "-s", "nobody")
    assert bad.returncode == 1 and "nobody" in bad.stderr


def test_cluster_matches_the_engine(tmp_path):
    out = tmp_path / "members.csv"
    summary = gwb_json("cluster", "sample:karate", "-s", "0", "--method", "heat", "-o", str(out))
    expected = engine.local_cluster(engine.sample("karate"), [0], method="heat")
    assert summary["members"] == len(expected)
    assert summary["conductance"] == pytest.approx(expected.conductance, abs=1e-6)
    import pandas as pd

    assert pd.read_csv(out)["node"].tolist() == expected.members["node"].tolist()
    bad = gwb("cluster", "sample:karate", "-s", "0", "--alpha", "3")
    assert bad.returncode == 1 and "alpha" in bad.stderr
    fixed = gwb_json("cluster", "sample:karate", "-s", "0", "--eps", "1e-4", "--no-mqi")
    plain = engine.local_cluster(engine.sample("karate"), [0], eps=1e-4, refine=None)
    assert fixed["members"] == len(plain) and fixed["eps"] == 1e-4
    assert "eps" in gwb("cluster", "sample:karate", "-s", "0", "--eps", "fast").stderr


def test_cluster_says_when_the_seeds_come_back_alone():
    # A cluster's own members, given as seeds, are already the best set around them.
    members = engine.local_cluster(engine.sample("karate"), 0).nodes.tolist()
    seeds = [arg for node in members for arg in ("-s", str(node))]
    run = gwb("cluster", "sample:karate", *seeds, "--json")
    assert run.returncode == 0, run.stderr
    assert "Only the seeds came back" in run.stderr
    import json

    assert json.loads(run.stdout)["seed_only"] is True


def test_ncp_matches_the_engine(tmp_path):
    out = tmp_path / "ncp.csv"
    gwb_json("ncp", "sample:karate", "--seeds", "10", "--random-seed", "1", "-o", str(out))
    import pandas as pd

    expected = engine.ncp(engine.sample("karate"), n_seeds=10, seed=1)
    shown = pd.read_csv(out)
    assert shown["size"].tolist() == expected["size"].tolist()
    assert shown["conductance"].tolist() == pytest.approx(expected["conductance"].tolist())


def test_orbits_match_the_engine(tmp_path):
    import numpy as np
    import pandas as pd

    from engine.graphlets import edge_orbit_counts, orbit_counts

    graph = engine.sample("karate")
    nodes = tmp_path / "orbits.parquet"
    gwb_json("orbits", "sample:karate", "-o", str(nodes))
    table = pd.read_parquet(nodes)
    assert table["node"].tolist() == graph.labels.tolist()
    np.testing.assert_array_equal(table.drop(columns="node").to_numpy(), orbit_counts(graph))
    edges = tmp_path / "edges.csv"
    gwb_ok("orbits", "sample:karate", "--edges", "-o", str(edges))
    table = pd.read_csv(edges)
    np.testing.assert_array_equal(table.iloc[:, 2:].to_numpy(), edge_orbit_counts(graph))
    bad = gwb("orbits", "sample:karate", "-o", str(tmp_path / "orbits.txt"))
    assert bad.returncode == 1 and "must end in .parquet or .csv" in bad.stderr
    five = tmp_path / "orbits5.csv"
    gwb_ok("orbits", "sample:karate", "--size", "5", "-o", str(five))
    table = pd.read_csv(five)
    assert table.shape == (graph.n_nodes, 1 + 73)
    counts = orbit_counts(graph, graphlet_size=5)
    np.testing.assert_array_equal(table.drop(columns="node").to_numpy(), counts)
    bad = gwb("orbits", "sample:karate", "--size", "5", "--edges", "-o", str(five))
    assert bad.returncode == 1 and "drop --size 5" in bad.stderr
    bad = gwb("orbits", "sample:karate", "--size", "6", "-o", str(five))
    assert bad.returncode == 2


def test_ppr_and_similar_on_a_local_dask_cluster(tmp_path):
    pytest.importorskip("dask.distributed")
    import pandas as pd

    out = tmp_path / "ppr.csv"
    args = ("ppr", "sample:lesmis", "-s", "Valjean", "-s", "Javert", "--top-k", "4")
    gwb_ok(*args, "--method", "hybrid", "--seed", "2", "--dask-workers", "2", "-o", str(out))
    expected = engine.ppr_batch(
        engine.sample("lesmis"), ["Valjean", "Javert"], method="hybrid", top_k=4, seed=2
    )
    table = pd.read_csv(out)
    assert table["node"].tolist() == expected["node"].tolist()
    assert table["score"].tolist() == pytest.approx(expected["score"].tolist())
    similar = gwb_ok("similar", "sample:lesmis", "-n", "Valjean", "-k", "3", "--dask-workers", "2")
    assert "Javert" in similar.stdout
    orbits = tmp_path / "orbits.csv"
    gwb_ok("orbits", "sample:lesmis", "-o", str(orbits), "--dask-workers", "2")
    from engine.graphlets import orbit_counts

    counts = pd.read_csv(orbits).drop(columns="node").to_numpy()
    assert (counts == orbit_counts(engine.sample("lesmis"))).all()
    edges = gwb("orbits", "sample:lesmis", "--edges", "-o", str(orbits), "--dask-workers", "2")
    assert edges.returncode == 1 and "edge orbits do not run on Dask" in edges.stderr
    vectors = tmp_path / "emb.npy"
    options = ("--dim", "16", "--seed", "1", "--dask-workers", "2")
    gwb_ok("embed", "sample:lesmis", "-o", str(vectors), *options)
    import numpy as np

    expected = engine.fastrp(engine.sample("lesmis"), dim=16, seed=1, device="cpu")
    np.testing.assert_allclose(np.load(vectors), expected, rtol=1e-4, atol=1e-5)


# --- No tracebacks: one line and exit 1 for failures, exit 2 for bad usage ----------------


def run_in_process(capsys, monkeypatch, *args: str) -> tuple[int, str]:
    """``gwb ARGS`` through the console entry point in this process: (exit code, stderr)."""
    from app.cli import main

    monkeypatch.setenv("COLUMNS", "200")  # rich boxes usage errors at the terminal width
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    code = stopped.value.code
    return (0 if code is None else code), capsys.readouterr().err


def one_line(stderr: str) -> str:
    """Usage errors come in a rich box: its text as one line, borders dropped."""
    return " ".join(stderr.replace("│", " ").replace("╭", " ").replace("╰", " ").split())


def test_failures_no_command_foresaw_are_one_line(tmp_path, capsys, monkeypatch):
    import pyarrow as pa

    def out_of_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(engine, "fastrp", out_of_memory)
    code, err = run_in_process(
        capsys, monkeypatch, "embed", "sample:karate", "-o", str(tmp_path / "e.npy"), "--quiet"
    )
    assert code == 1 and err == "gwb: error: out of memory; lower --dim\n"

    def arrow_fails(*args, **kwargs):
        raise pa.lib.ArrowNotImplementedError("Unsupported cast\nfrom list to utf8")

    monkeypatch.setattr(engine, "ppr_batch", arrow_fails)
    code, err = run_in_process(capsys, monkeypatch, "ppr", "sample:karate", "-s", "0", "--quiet")
    assert code == 1
    assert err == "gwb: error: ArrowNotImplementedError: Unsupported cast from list to utf8\n"
    # --debug, anywhere on the line, lets the exception (and its traceback) through.
    for args in (
        ("--debug", "ppr", "sample:karate", "-s", "0"),
        ("ppr", "--debug", "sample:karate", "-s", "0"),
        ("ppr", "sample:karate", "-s", "0", "--debug"),
    ):
        with pytest.raises(pa.lib.ArrowNotImplementedError):
            run_in_process(capsys, monkeypatch, *args)


def test_a_parquet_file_arrow_cannot_read_is_one_line(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"s": pa.array([[1], [2]]), "t": pa.array([[2], [3]])}), nested)
    result = gwb("info", str(nested))
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("gwb: error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    debug = gwb("info", str(nested), "--debug")
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize("dim", ["1000000000000", "99999999999999999999999"])
def test_a_dim_too_big_for_the_machine_says_to_lower_it(tmp_path, dim):
    result = gwb("embed", "sample:karate", "-o", str(tmp_path / "e.npy"), "--dim", dim)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"gwb: error: --dim {int(dim):,} needs about ")
    assert result.stderr.rstrip().endswith("; lower --dim")
    assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == []


def test_help_shows_no_type_beside_flags(capsys, monkeypatch):
    """A flag takes no value: no ``<bool>`` (or BOOLEAN) beside it, in any help."""
    from app.cli import cli, main

    monkeypatch.setenv("COLUMNS", "200")
    commands = [command.name or command.callback.__name__ for command in cli.registered_commands]
    assert {"convert", "ppr", "app"} <= set(commands)
    for args in ([], *([name] for name in commands)):
        with pytest.raises(SystemExit) as stopped:
            main([*args, "--help"])
        assert stopped.value.code in (0, None)
        shown = capsys.readouterr().out
        assert "--help" in shown and "Show this message and exit." in shown, args
        assert "<bool>" not in shown and "BOOLEAN" not in shown, (args, shown)
    assert "--no-overwrite" not in shown_help(capsys, "convert")
    assert "--no-debug" not in shown_help(capsys)


def shown_help(capsys, *args: str) -> str:
    """What ``gwb ARGS --help`` prints."""
    from app.cli import main

    with pytest.raises(SystemExit):
        main([*args, "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("port", ["70000", "0", "-1", "http"])
def test_a_port_out_of_range_is_a_usage_error(capsys, monkeypatch, port):
    code, err = run_in_process(capsys, monkeypatch, "app", "--port", port)
    assert code == 2
    assert "Invalid value for '--port': port must be an integer in [1, 65535]" in one_line(err)


def test_an_unknown_embedding_extension_is_refused_before_fastrp(tmp_path, capsys, monkeypatch):
    code, err = run_in_process(
        capsys, monkeypatch, "embed", "sample:karate", "-o", str(tmp_path / "e.xyz")
    )
    assert code == 2 and "must end in .parquet, .npy" in one_line(err)


def test_app_passes_the_upload_limit_to_streamlit(capsys, monkeypatch):
    launched = []

    class Server:
        def __init__(self, command, env, **options):
            launched.append(command)

        def wait(self):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", Server)
    monkeypatch.setenv("GWB_MAX_UPLOAD_MB", "12.5")
    assert run_in_process(capsys, monkeypatch, "app", "--headless", "--port", "8600")[0] == 0
    command = launched[0]
    assert command[command.index("--server.maxUploadSize") + 1] == "13"
    assert command[command.index("--server.port") + 1] == "8600"
    monkeypatch.setenv("GWB_MAX_UPLOAD_MB", "lots")
    code, err = run_in_process(capsys, monkeypatch, "app", "--headless")
    assert code == 1
    assert (
        err == "gwb: error: GWB_MAX_UPLOAD_MB must be a positive number of megabytes; got 'lots'\n"
    )


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_tables_follow_the_umask(tmp_path, capsys, monkeypatch, umask):
    previous = os.umask(umask)
    try:
        for name in ("t.csv", "t.parquet"):
            out = tmp_path / "sub" / name
            code, err = run_in_process(
                capsys,
                monkeypatch,
                "ppr",
                "sample:karate",
                "-s",
                "0",
                "--method",
                "exact",
                "-o",
                str(out),
            )
            assert code == 0, err
            assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    finally:
        os.umask(previous)
    assert (tmp_path / "sub").stat().st_mode & 0o777 == 0o777 & ~umask
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["t.csv", "t.parquet"]
