"""Node pickers: every page chooses nodes the same way, by label, with search.

A picker lists labels to choose from and also accepts a typed label that is
not listed. Small graphs list every node; large ones list the matches of the
sidebar's "Find a node" search first, then the highest-degree nodes, so a
1M-node graph never ships a million options to the browser. Typed labels are
read like the engine reads them (``"33"`` is node 33 when labels are ints), and
an unknown one reaches the engine, whose KeyError names it.

Every picker also follows the graph view's selection (:func:`set_selection`):
nodes clicked or lasso-selected in any page's graph view become the choice of
each picker the next time it is drawn, on every page (a one-node picker takes
the first of them). A picker changed by hand afterwards keeps that change until
the next selection, so a selection is an offer, not a lock. The selection is
kept per graph under one session key, ``selected_nodes@<graph name>``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import engine
from app.dashboard.inputs import find_nodes, parse_label

#: Graphs up to this many nodes list every node in a picker.
LIST_ALL_UP_TO = 5_000
#: On larger graphs, how many of the highest-degree nodes a picker lists.
TOP_DEGREE_LISTED = 1_000
SEARCH_KEY = "node_search"
#: The shared selection's session key (per graph, see :func:`selection_key`).
SELECTED_KEY = "selected_nodes"
PLACEHOLDER = "Choose or type a label (see Find a node in the sidebar)"


def node_options(graph: engine.Graph, search: str = "", chosen=()) -> list:
    """The labels a picker lists, in order: the current choice, search matches, the rest.

    The rest is every node (by id) on a small graph, else the highest-degree nodes.

    >>> node_options(engine.sample("karate"))[:3]
    [0, 1, 2]
    >>> star = engine.Graph.from_edges(np.zeros(6000, int), np.arange(1, 6001))
    >>> options = node_options(star, search="600", chosen=[17])
    >>> options[:3], options.index(0), len(options) <= 1 + 20 + TOP_DEGREE_LISTED
    ([17, 600, 1600], 8, True)
    """
    listed = list(chosen)
    if search.strip():
        listed += find_nodes(graph, search)["node"].tolist()
    if graph.n_nodes <= LIST_ALL_UP_TO:
        listed += graph.labels.tolist()
    else:
        listed += graph.labels_of(_top_degree_ids(graph, TOP_DEGREE_LISTED)).tolist()
    return list(dict.fromkeys(listed))


def _top_degree_ids(graph: engine.Graph, count: int) -> np.ndarray:
    degree = graph.degree()
    if count >= len(degree):
        return np.argsort(-degree, kind="stable")
    top = np.argpartition(-degree, count - 1)[:count]
    return top[np.lexsort((top, -degree[top]))]


def read_picks(graph: engine.Graph, picks) -> list:
    """Listed labels as they are; typed ones (strings) read as the graph's labels.

    >>> read_picks(engine.sample("karate"), [0, " 33"])
    [0, 33]
    """
    return [parse_label(graph, pick) if isinstance(pick, str) else pick for pick in picks]


def read_seed_picks(graph: engine.Graph, picks) -> list | dict:
    """Seeds from a picker; a typed ``label=weight`` makes the set weighted (others weigh 1).

    >>> g = engine.sample("karate")
    >>> read_seed_picks(g, [0, 1]), read_seed_picks(g, ["33=2", 0])
    ([0, 1], {33: 2.0, 0: 1.0})
    """
    weighted = [
        isinstance(pick, str) and "=" in pick and not _is_label(graph, pick) for pick in picks
    ]
    if not any(weighted):
        return read_picks(graph, picks)
    seeds = {}
    for pick, has_weight in zip(picks, weighted):
        if has_weight:
            label, _, weight = pick.rpartition("=")
            try:
                seeds[parse_label(graph, label)] = float(weight)
            except ValueError:
                raise ValueError(f"seed weight must be a number: {pick!r}") from None
        else:
            seeds[read_picks(graph, [pick])[0]] = 1.0
    return seeds


def _is_label(graph: engine.Graph, text: str) -> bool:
    try:
        graph.node_id(parse_label(graph, text))
    except KeyError:
        return False
    return True


def picker_key(graph: engine.Graph, name: str) -> str:
    """The session key of picker ``name`` on this graph: each graph keeps its own choice.

    >>> picker_key(engine.sample("karate"), "ppr_seeds")
    'ppr_seeds@karate'
    """
    return f"{name}@{graph.name}"


def selection_key(graph: engine.Graph) -> str:
    """The session key of the nodes selected in the graph views on this graph.

    >>> selection_key(engine.sample("karate"))
    'selected_nodes@karate'
    """
    return picker_key(graph, SELECTED_KEY)


def set_selection(graph: engine.Graph, labels) -> None:
    """Make ``labels`` the selection every picker on this graph starts from.

    Each call is a new selection, numbered: pickers compare the number with the
    one they last took, so selecting the same nodes again still resets a picker
    that was changed by hand in between.
    """
    key = selection_key(graph)
    previous = st.session_state.get(key, {}).get("version", 0)
    st.session_state[key] = {"labels": list(labels), "version": previous + 1}


def selected_labels(graph: engine.Graph) -> list:
    """The labels last selected in a graph view on this graph (``[]`` before any)."""
    return list(st.session_state.get(selection_key(graph), {}).get("labels", []))


def _follow_selection(graph: engine.Graph, key: str, many: bool) -> None:
    """Set picker ``key`` to the shared selection when the picker has not taken it yet.

    A picker takes a selection once (its number is kept under ``<key>#selection``),
    and also whenever its own state is gone: Streamlit forgets a widget's state
    when a run does not draw it, e.g. while another page is shown.
    """
    selection = st.session_state.get(selection_key(graph))
    if not selection or not selection["labels"]:
        return
    taken = f"{key}#selection"
    if key in st.session_state and st.session_state.get(taken, 0) >= selection["version"]:
        return
    labels = selection["labels"]
    st.session_state[key] = list(labels) if many else labels[0]
    st.session_state[taken] = selection["version"]


def _listed(graph: engine.Graph, name: str, many: bool) -> tuple[str, list]:
    """The picker's session key and options; it starts from the selection, else the first
    option."""
    key = picker_key(graph, name)
    _follow_selection(graph, key, many)
    current = st.session_state.get(key)
    chosen = [] if current is None else list(current) if many else [current]
    options = node_options(graph, st.session_state.get(SEARCH_KEY, ""), chosen)
    if key not in st.session_state and options:
        st.session_state[key] = options[:1] if many else options[0]
    return key, options


# What every picker shares: typed labels accepted, shown as text.
_PICKER_OPTIONS = {"accept_new_options": True, "format_func": str, "placeholder": PLACEHOLDER}


def pick_nodes(graph: engine.Graph, label: str, name: str, *, help: str | None = None) -> list:
    """A multi-node picker (the selection, else the first listed node, chosen at first);
    returns labels as chosen."""
    key, options = _listed(graph, name, many=True)
    return st.multiselect(label, options, key=key, help=help, **_PICKER_OPTIONS)


def pick_node(graph: engine.Graph, label: str, name: str, *, help: str | None = None):
    """A one-node picker (the first selected, else the first listed node, chosen at first);
    returns the label, or None."""
    key, options = _listed(graph, name, many=False)
    picked = st.selectbox(label, options, key=key, help=help, **_PICKER_OPTIONS)
    return None if picked is None else read_picks(graph, [picked])[0]
