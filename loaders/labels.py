"""Node names from what a file wrote: which attribute names the nodes, and as ints or strings.

One rule for every text format: a name is an integer only when every name in
the file is one (an int, an integral float, or a plain decimal that prints back
as written, within int64), otherwise every name is the string as written. The
edge-list reader applies the same rule to ids (``loaders._edgelist_parse_kernels``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import numpy as np

PLAIN_INT = re.compile(r"0|-?[1-9][0-9]*", re.ASCII)
_INT64 = (-(2**63), 2**63)

#: Where each format keeps node names, in order of preference: GML as networkx
#: reads it (``label``; igraph writes ``name``), GraphML as igraph writes it
#: (a ``name`` key) or yEd/Gephi (``label``), Pajek's quoted vertex names;
#: ``id`` (the file's own node id) last.
NAME_ATTRIBUTES = {
    "gml": ("label", "name", "id"),
    "graphml": ("name", "label", "id"),
    "pajek": ("name", "id"),
}


def choose_name_attribute(fmt: str, attributes: dict[str, Sequence]) -> str | None:
    """The first of the format's name attributes that every node has, with no repeats.

    >>> choose_name_attribute("gml", {"id": [0, 1], "label": ["a", "b"]})
    'label'
    >>> choose_name_attribute("gml", {"id": [0, 1], "label": ["a", "a"]})
    'id'
    """
    for candidate in NAME_ATTRIBUTES[fmt]:
        values = attributes.get(candidate)
        if values is None or any(v is None or v == "" for v in values):
            continue
        if len(set(values)) == len(values):
            return candidate
    return None


def name_values(values: Sequence) -> list:
    """Names as ints when every one is an integer (as above), else as strings.

    >>> name_values([0.0, 3.0]), name_values(["10", "7"]), name_values(["007", "7"])
    ([0, 3], [10, 7], ['007', '7'])
    """
    values = list(values)
    if all(_integral(v) for v in values):
        return [int(v) for v in values]
    return [v if isinstance(v, str) else _text(v) for v in values]


def _integral(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | np.integer):
        return True
    if isinstance(value, float | np.floating):
        return float(value).is_integer() and _INT64[0] <= value < _INT64[1]
    return (
        isinstance(value, str)
        and bool(PLAIN_INT.fullmatch(value))
        and (_INT64[0] <= int(value) < _INT64[1])
    )


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def unescape_entities(values: Sequence) -> list:
    """GML writers (networkx) escape non-ASCII text as ``&#235;``; read it back as ``ë``.

    >>> unescape_entities(["Zo&#235;", 3, "a&amp;b"])
    ['Zoë', 3, 'a&b']
    """
    return [html.unescape(v) if isinstance(v, str) and "&" in v else v for v in values]
