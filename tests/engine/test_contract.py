"""One contract for every public engine function (issue 20), driven by ``contract_cases.CASES``.

For each row: a label seed is accepted and the answer speaks in labels; an
unknown label is a ``NodeNotFoundError`` naming it; a bad parameter is a
``ValueError`` naming the parameter; the same ``seed`` gives the same result;
directed, weighted, empty, isolated-node and one-node graphs either work or
raise a clear error; and the result follows the house convention (whole-graph
results are arrays by node id, per-query results are DataFrames of labels).

A known engine bug is a strict xfail on its row (``Bad.bug``), so the row
starts failing, as a reminder to drop the mark, once the bug is fixed.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engine
from engine.graphlets import graphlet_edges
from loaders import Graph
from tests.engine.contract_cases import (
    BY_EDGE,
    BY_NODE,
    CASES,
    CLUSTER,
    CLUSTERS,
    GRAPHS,
    NOT_HELD,
    OBJECT,
    ODD_GRAPHS,
    QUERY_NODE,
    RESULT_TYPES,
    TABLE,
    Case,
    Inputs,
)

ROOT = Path(__file__).resolve().parents[2]
#: A call that may hang gets this long in a child process (any answer takes well under 1 s).
#: Errors that tell the caller what was wrong (NodeNotFoundError is a KeyError).
CLEAR_ERRORS = (ValueError, TypeError, engine.NodeNotFoundError)


def _params(cases, ids=lambda case: case.name):
    return [pytest.param(case, id=ids(case)) for case in cases]


ON_GRAPH = [case for case in CASES if case.on_graph]
WITH_NODE = [case for case in CASES if case.takes_node]


def karate_inputs(tmp_path, node=None) -> Inputs:
    return Inputs(GRAPHS["karate"], QUERY_NODE["karate"] if node is None else node, tmp_path)


# -- the result convention -----------------------------------------------------


def _check_finite(values, what: str) -> None:
    values = np.asarray(values)
    if values.dtype.kind == "f":
        assert np.isfinite(values).all(), f"{what} holds NaN or infinity"


def check_table(frame, label_columns, g: Graph) -> None:
    assert isinstance(frame, pd.DataFrame), f"a per-query result is a DataFrame, not {type(frame)}"
    labels = set(g.labels.tolist())
    for column in label_columns:
        assert column in frame.columns, f"no {column!r} column in {list(frame.columns)}"
        strays = set(frame[column].tolist()) - labels
        assert not strays, f"column {column!r} holds values that are not labels: {strays}"
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            _check_finite(frame[column], f"column {column!r}")


def check_cluster(found, label_columns, g: Graph) -> None:
    check_table(found.members, label_columns, g)
    if hasattr(found, "nodes"):  # LocalCluster also lists its members bare
        assert set(np.asarray(found.nodes).tolist()) <= set(g.labels.tolist())


def check_convention(case: Case, g: Graph, result) -> None:
    """The result is of the row's kind and indexed, or labelled, as the house says."""
    if case.kind in (BY_NODE, BY_EDGE):
        assert isinstance(result, np.ndarray), f"a whole-graph result is an array: {type(result)}"
        rows = g.n_nodes if case.kind == BY_NODE else len(graphlet_edges(g))
        assert result.shape[0] == rows, f"{result.shape} does not have {rows} rows"
        _check_finite(result, "the array")
    elif case.kind == TABLE:
        check_table(result, case.label_columns, g)
    elif case.kind == CLUSTER:
        check_cluster(result, case.label_columns, g)
    elif case.kind == CLUSTERS:
        assert isinstance(result, list)
        for found in result:
            check_cluster(found, case.label_columns, g)
    else:
        assert case.kind == OBJECT
        assert isinstance(result, case.returns), f"{type(result)} is not a {case.returns}"


def assert_same(first, second) -> None:
    if isinstance(first, np.ndarray):
        np.testing.assert_array_equal(first, second)
    elif isinstance(first, pd.DataFrame):
        pd.testing.assert_frame_equal(first, second)
    elif isinstance(first, list | tuple):
        assert len(first) == len(second)
        for one, other in zip(first, second):
            assert_same(one, other)
    elif hasattr(first, "members"):
        assert_same(first.members, second.members)
        assert (first.conductance, first.volume) == (second.conductance, second.volume)
    elif isinstance(first, Graph):
        assert first.equals(second)
    else:
        assert first == second


# -- the table covers the public API ---------------------------------------------


def _public_callables() -> dict[str, object]:
    """Every callable in ``engine.__all__`` but the error classes, and each public
    method of the classes among them, by name."""
    found = {}
    for name in engine.__all__:
        obj = getattr(engine, name)
        if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
            continue
        if inspect.isclass(obj) and name not in RESULT_TYPES and obj is not Graph:
            # Graph's own methods are the loaders' contract (tests/loaders); the row
            # "Graph" holds its construction.
            for method in vars(obj):
                if not method.startswith("_") and callable(getattr(obj, method)):
                    found[f"{name}.{method}"] = getattr(obj, method)
        else:
            found[name] = obj
    return found


def test_every_public_callable_has_a_row():
    held = {case.public_name for case in CASES} | set(NOT_HELD) | set(RESULT_TYPES)
    missing = set(_public_callables()) - held
    assert not missing, f"add a row to tests/engine/contract_cases.py for {sorted(missing)}"
    stale = held - set(_public_callables())
    assert not stale, f"rows for names that are not public (any more): {sorted(stale)}"


def test_every_function_with_a_seed_has_a_seeded_row():
    """So that the same-seed check runs with a seed wherever one can be given."""
    seeded = {case.public_name for case in CASES if case.seeded}
    for name, obj in _public_callables().items():
        if "seed" in inspect.signature(obj).parameters:
            assert name in seeded, f"mark a row of {name} seeded=True"


# -- (1) labels in, labels out, and (6) the convention on karate -----------------


@pytest.mark.parametrize("case", _params(CASES))
def test_label_query_answers_in_labels(case, tmp_path):
    inputs = karate_inputs(tmp_path)
    result = case.run(inputs)
    check_convention(case, inputs.g, result)
    if isinstance(result, pd.DataFrame) and "source" in result:
        assert set(result["source"]) == {inputs.node}


SEED_SETS = {"list": ["n5", "n6"], "mapping": {"n5": 2.0, "n6": 1.0}}


@pytest.mark.parametrize("form", sorted(SEED_SETS))
@pytest.mark.parametrize("case", _params(c for c in CASES if c.seed_sets))
def test_seed_sets_of_labels(case, form, tmp_path):
    inputs = karate_inputs(tmp_path, SEED_SETS[form])
    check_convention(case, inputs.g, case.run(inputs))


# -- (2) an unknown label ---------------------------------------------------------

UNKNOWN = {
    "missing label": ("nobody", "nobody"),
    "an id where a label belongs": (0, 0),
    "one missing in a set": (["n5", "nobody"], "nobody"),
}


def _unknown_queries():
    for case in WITH_NODE:
        for what, (query, missing) in UNKNOWN.items():
            if case.seed_sets or not isinstance(query, list):
                yield pytest.param(case, query, missing, id=f"{case.name}-{what}")


@pytest.mark.parametrize(("case", "query", "missing"), list(_unknown_queries()))
def test_unknown_label_is_node_not_found(case, query, missing, tmp_path):
    with pytest.raises(engine.NodeNotFoundError) as caught:
        case.run(karate_inputs(tmp_path, query))
    assert repr(missing) in str(caught.value)


# -- (3) a bad parameter ------------------------------------------------------------


def _bad_params():
    for case in CASES:
        for entry in case.bad:
            marks = [pytest.mark.xfail(strict=True, reason=entry.bug)] if entry.bug else []
            value = entry.value
            shown = type(value).__name__ if isinstance(value, np.ndarray) else repr(value)
            yield pytest.param(case, entry, id=f"{case.name}-{entry.param}={shown}", marks=marks)


@pytest.mark.parametrize(("case", "entry"), list(_bad_params()))
def test_bad_parameter_is_value_error_naming_it(case, entry, tmp_path):
    named = re.compile(rf"\b{entry.param}\b")
    with pytest.raises(ValueError) as caught:
        case.run(karate_inputs(tmp_path), **{entry.param: entry.value})
    assert named.search(str(caught.value)), f"{caught.value} does not name {entry.param}"


# -- (4) same seed, same result -------------------------------------------------------


@pytest.mark.parametrize("case", _params(ON_GRAPH))
def test_same_seed_same_result(case, tmp_path):
    inputs = karate_inputs(tmp_path)
    seed = {"seed": 7} if case.seeded else {}
    first, second = case.run(inputs, **seed), case.run(inputs, **seed)
    if case.digest is not None:
        first, second = case.digest(first, inputs), case.digest(second, inputs)
    assert_same(first, second)


# -- (5) odd graphs: work, or a clear error -------------------------------------------


@pytest.mark.parametrize("graph", ODD_GRAPHS)
@pytest.mark.parametrize("case", _params(ON_GRAPH))
def test_odd_graphs_work_or_fail_clearly(case, graph, tmp_path):
    g = GRAPHS[graph]
    try:
        result = case.run(Inputs(g, QUERY_NODE[graph], tmp_path))
    except CLEAR_ERRORS as error:
        assert str(error), f"{type(error).__name__} without a message"
        return
    check_convention(case, g, result)
