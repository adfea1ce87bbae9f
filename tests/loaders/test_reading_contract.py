"""The reading contract of ``read_edgelist``, checked on generated files.

Hypothesis writes edge lists the way people and tools do (whitespace, runs of
blanks, CSV, TSV; int and string ids, some of them awkward; a header or none;
blank and comment lines anywhere; CRLF or CR line ends; a BOM; quotes; blanks
around fields; a missing final newline; compression), then each file is read at
the defaults and compared node-for-node and edge-for-edge with what was written.
The expected graph is built from the written values alone, following the
contract's rules as its docstring states them, so a reader that bends a rule
fails here.

The CI run tries 2,000 files; ``pytest -m slow`` tries 20,000.
"""

from __future__ import annotations

import gzip
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders import Graph, read_edgelist
from loaders.edgelist import ENDPOINT_NAMES

CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]*", re.ASCII)
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)

# Ids that have tripped readers: look-alike numbers, other scripts' digits,
# comment characters and quotes inside, non-ASCII blanks, long ones.
AWKWARD_IDS = [
    "007",
    "+5",
    "1_000",
    "١٢",
    "٣",
    "1e5",
    "0x1F",
    "-0",
    "a#b",
    "c%d",
    "x'y",
    'say "hi"',
    "naïve",
    "Zürich",
    "東京",
    "🙂",
    "a\u00a0b",
    "tab\u3000x",
    "new york",
    "Smith, J",
    "9223372036854775808",
    "-9223372036854775809",
    "#tag",
    "%pct",
    '"quoted"',
    "trailing\\",
]
PLAIN_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ_-.:/", min_size=1, max_size=8)
DIALECTS = ["space", "blanks", "csv", "tsv"]


def _usable(label: str, dialect: str) -> bool:
    """Whether the dialect can carry this id at all (quoting where it has quoting)."""
    if dialect in ("space", "blanks"):
        # A comma anywhere makes the file CSV under the contract's sniffing rule.
        return not re.search(r"[ \t,]", label) and label[0] not in '#%"' and label[0] != "\ufeff"
    return "\t" not in label


@st.composite
def ids_for(draw, kind: str, dialect: str):
    if kind == "int":
        return draw(st.integers(-(2**63), 2**63 - 1) | st.integers(0, 60))
    label = draw(st.sampled_from(AWKWARD_IDS) | PLAIN_WORDS | st.integers(0, 99).map(str))
    if label.lower() in ENDPOINT_NAMES or not _usable(label, dialect):
        label = "n" + re.sub(r"[ \t,]", "_", label)
    return label


@st.composite
def edge_files(draw):
    dialect = draw(st.sampled_from(DIALECTS))
    kind = draw(st.sampled_from(["int", "str"]))
    pool = draw(st.lists(ids_for(kind, dialect), min_size=1, max_size=12, unique=True))
    n_edges = draw(st.integers(1, 25))
    pairs = [(draw(st.sampled_from(pool)), draw(st.sampled_from(pool))) for _ in range(n_edges)]
    weighted = draw(st.booleans())
    weights = [draw(st.sampled_from([0, 1, 2.5, 1e-3, 7, 0.1, 3e5, 12.25])) for _ in range(n_edges)]
    header = draw(st.sampled_from(["none", "lower", "gephi"]))
    return {
        "dialect": dialect,
        "pairs": pairs,
        "weights": weights if weighted else None,
        "header": header,
        "crlf": draw(st.sampled_from(["\n", "\n", "\r\n", "\r"])),
        "bom": draw(st.booleans()),
        "final_newline": draw(st.booleans()),
        "decorations": draw(
            st.lists(
                st.tuples(
                    st.integers(0, n_edges + 1),
                    st.sampled_from(
                        ["", "   ", "\t", "# note", "  # indented, note", "%a b", "# 1 2", "#,,"]
                    ),
                ),
                max_size=6,
            )
        ),
        "padding": draw(st.booleans()),
        "quote_all": draw(st.booleans()),
        "gzip": draw(st.integers(0, 9)) == 0,
    }


def _field(value, dialect: str, padding: bool, quote_all: bool, first: bool) -> str:
    text = str(value)
    if dialect in ("space", "blanks"):
        return text
    delimiter = "," if dialect == "csv" else "\t"
    needs_quotes = (
        quote_all
        or delimiter in text
        or text.startswith('"')
        or (first and text[0] in "#%")
        or text != text.strip(" \t")
    )
    if needs_quotes:
        text = '"' + text.replace('"', '""') + '"'
    return f" {text} " if padding else text


def render(spec) -> str:
    dialect = spec["dialect"]
    separator = {"space": " ", "blanks": "  \t ", "csv": ",", "tsv": "\t"}[dialect]
    rows = []
    for k, (u, v) in enumerate(spec["pairs"]):
        fields = [
            _field(u, dialect, spec["padding"], spec["quote_all"], True),
            _field(v, dialect, spec["padding"], spec["quote_all"], False),
        ]
        if spec["weights"] is not None:
            fields.append(_field(spec["weights"][k], dialect, spec["padding"], False, False))
        line = separator.join(fields)
        if dialect == "blanks":
            line = "  " + line + " \t"
        rows.append(line)
    if spec["header"] != "none":
        names = (
            ["source", "target", "weight"]
            if spec["header"] == "lower"
            else ["Source", "Target", "Weight"]
        )
        rows.insert(0, separator.join(names[: 2 + (spec["weights"] is not None)]))
    # decorations go anywhere, before or after the header too
    for position, text in sorted(spec["decorations"], key=lambda d: -d[0]):
        rows.insert(min(position, len(rows)), text)
    ending = spec["crlf"]
    body = ending.join(rows) + (ending if spec["final_newline"] else "")
    return ("\ufeff" if spec["bom"] else "") + body


def expected_graph(spec) -> Graph:
    """The graph the contract says the file holds, from the written values alone."""
    pairs = spec["pairs"]
    tokens = [str(x) for pair in pairs for x in pair]
    as_ints = all(CANONICAL_INT.fullmatch(t) for t in tokens) and all(
        -(2**63) <= int(t) < 2**63 for t in tokens
    )
    convert = int if as_ints else str
    src = np.array([convert(str(u)) for u, _ in pairs], dtype=np.int64 if as_ints else object)
    dst = np.array([convert(str(v)) for _, v in pairs], dtype=np.int64 if as_ints else object)
    return Graph.from_edges(src, dst, spec["weights"])


def _ambiguous_header(spec) -> bool:
    """Without a header, a non-numeric first edge above numeric ones reads as a header."""
    if spec["header"] != "none":
        return False
    first, *rest = spec["pairs"]
    return (
        bool(rest)
        and not any(NUMBER.fullmatch(str(x)) for x in first)
        and all(NUMBER.fullmatch(str(x)) for pair in rest for x in pair)
    )


def check_file(tmp_path, spec) -> None:
    if _ambiguous_header(spec):
        return  # the contract reads it as a header; test_header_rules covers that
    text = render(spec)
    path = tmp_path / ("edges.txt.gz" if spec["gzip"] else "edges.txt")
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if spec["gzip"] else data)
    graph = read_edgelist(path)
    expected = expected_graph(spec)
    assert graph.labels.tolist() == expected.labels.tolist(), text
    assert graph.labels.dtype.kind == expected.labels.dtype.kind, text
    assert np.array_equal(graph.indptr, expected.indptr), text
    assert np.array_equal(graph.indices, expected.indices), text
    if spec["weights"] is None:
        assert graph.weights is None, text
    else:
        assert np.array_equal(graph.weights, expected.weights), text


_SETTINGS = dict(
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@settings(max_examples=2000, **_SETTINGS)
@given(spec=edge_files())
def test_generated_files_load_as_written(tmp_path, spec):
    check_file(tmp_path, spec)


@pytest.mark.slow
@settings(max_examples=20000, **_SETTINGS)
@given(spec=edge_files())
def test_generated_files_load_as_written_many(tmp_path, spec):
    check_file(tmp_path, spec)


# ---------------------------------------------------------------- the rules one by one


def _read(tmp_path, text: str, **options) -> Graph:
    path = tmp_path / "g.txt"
    path.write_bytes(text.encode("utf-8"))
    return read_edgelist(path, **options)


def _pairs(graph: Graph) -> list:
    return sorted(map(tuple, graph.edges()[["source", "target"]].values.tolist()))


def test_blank_and_comment_lines_are_skipped_in_string_files(tmp_path):
    graph = _read(tmp_path, "a b\n\n   \n# c d\n  % e f\nb c\n")
    assert _pairs(graph) == [("a", "b"), ("b", "c")]


def test_hash_inside_a_field_is_data(tmp_path):
    assert _pairs(_read(tmp_path, "a#1 b%2\nb%2 c\n")) == [("a#1", "b%2"), ("b%2", "c")]


def test_bom_keeps_the_first_edge(tmp_path):
    assert _pairs(_read(tmp_path, "\ufeff1 2\n2 3\n")) == [(1, 2), (2, 3)]
    assert _pairs(_read(tmp_path, "\ufeffa,b\nb,c\n")) == [("a", "b"), ("b", "c")]


def test_csv_fields_are_trimmed_and_quotes_unescaped(tmp_path):
    graph = _read(tmp_path, 'alice, bob\n"Smith, J" , "say ""hi"""\n')
    assert _pairs(graph) == [("Smith, J", 'say "hi"'), ("alice", "bob")]


def test_tsv_ids_keep_their_spaces(tmp_path):
    graph = _read(tmp_path, "new york\tbob\nbob\tlos angeles\n")
    assert _pairs(graph) == [("bob", "los angeles"), ("bob", "new york")]


def test_mixed_tabs_and_runs_of_spaces_are_blank_separated(tmp_path):
    graph = _read(tmp_path, "  1   2\n2\t3 \n3  1\n")
    assert _pairs(graph) == [(1, 2), (1, 3), (2, 3)]


def test_line_ends_of_every_kind(tmp_path):
    for ending in ("\n", "\r\n", "\r"):
        graph = _read(tmp_path, ending.join(["1 2", "", "# x", "2 3"]))
        assert _pairs(graph) == [(1, 2), (2, 3)], repr(ending)


@pytest.mark.parametrize(
    ("text", "header"),
    [
        ("source target\n1 2\n", True),
        ("Source,Target,Weight\na,b,1\n", True),
        ("FROM;TO\n1;2\n", True),
        ("from to\nu v\n", True),
        ("name other\n1 2\n3 4\n", True),  # non-numeric above numeric data
        ("alice bob\ncarol dave\n", False),  # a string-id file's first edge is an edge
        ("u v\nv w\n", False),
        ("1 2\n3 4\n", False),
        ("x 1\n2 3\n", False),  # one field numeric: an edge
    ],
)
def test_header_rules(tmp_path, text, header):
    delimiter = ";" if ";" in text else None
    graph = _read(tmp_path, text, delimiter=delimiter)
    lines = [line for line in text.splitlines() if line]
    assert graph.n_edges == len(lines) - int(header)


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("12", "i"),
        ("-3", "i"),
        ("007", "O"),
        ("+5", "O"),
        ("1_000", "O"),
        ("١٢", "O"),
        ("9223372036854775807", "i"),
        ("9223372036854775808", "O"),
        ("1e5", "O"),
    ],
)
def test_ids_are_ints_only_when_plain_decimals(tmp_path, token, kind):
    graph = _read(tmp_path, f"{token} 0\n0 1\n")
    assert graph.labels.dtype.kind == kind
    assert str(graph.labels[graph.node_id(graph.labels[-1])]) in {token, "1", "0"}
    assert {str(x) for x in graph.labels.tolist()} == {token, "0", "1"}


def test_int_ids_that_are_not_ints_name_the_line(tmp_path):
    from loaders import GraphFormatError

    for token, reason in [
        ("9223372036854775808", "outside the int64 range"),
        ("١", "not an integer"),
    ]:
        with pytest.raises(GraphFormatError, match=reason) as caught:
            _read(tmp_path, f"1 2\n\n2 {token}\n", ids="int")
        assert caught.value.line == 3


def test_every_chunk_follows_the_same_rules(tmp_path, monkeypatch):
    """Chunk boundaries (here every few bytes) change nothing, CRLF split or not."""
    import loaders._text as text_module

    text = "\ufeffsource,target\r\n" + "".join(
        f'"{i}, x",{i + 1}\r\n# c\r\n\r\n' for i in range(50)
    )
    whole = _read(tmp_path, text)
    monkeypatch.setattr(text_module, "CHUNK_BYTES", 7)
    pieces = _read(tmp_path, text)
    assert whole.equals(pieces)
    assert whole.n_edges == 50
