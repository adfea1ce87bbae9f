"""What the head of an edge list says: dialect, header, columns, weights, KONECT's header.

Everything here follows the reading contract in
:func:`loaders.edgelist.read_edgelist`; the head is tokenized by the same kernel
as the body, so the two cannot disagree about what a field is.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from loaders import _edgelist_kernels as kernels
from loaders import _text as text
from loaders.errors import GraphFormatError

_HEAD_BYTES = 1 << 18
_SNIFF_ROWS = 1000
_SNIFF_COLUMNS = 64
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_UNIX_SECONDS = (10**8, 10**10)  # 1973 to 2286: integers here look like timestamps

#: Names a user gives the endpoint columns of an edge table (compared in lower case).
ENDPOINT_NAMES = frozenset(
    {
        "source",
        "target",
        "src",
        "dst",
        "from",
        "to",
        "node1",
        "node2",
        "node_1",
        "node_2",
        "source_id",
        "target_id",
        "sourceid",
        "targetid",
        "id1",
        "id2",
    }
)
#: Header names of a weight column, and of columns that are not weights though numeric.
WEIGHT_NAMES = frozenset({"weight", "weights", "w", "value", "strength", "count"})
TIME_NAMES = frozenset({"time", "timestamp", "ts", "t", "date", "datetime", "timeset", "unixts"})

TOKENIZE_ERRORS = {
    kernels.UNTERMINATED_QUOTE: "a quoted field does not end on its line",
    kernels.TEXT_AFTER_QUOTE: "text after the closing quote of a field",
}


@dataclass(frozen=True)
class Dialect:
    """How fields are separated and which lines are comments."""

    blank_separated: bool  # runs of spaces/tabs, no quoting
    delimiter: int  # the separating byte when not blank_separated
    is_comment: np.ndarray  # bool[256]: first non-blank bytes that start a comment line


@dataclass(frozen=True)
class Konect:
    """A KONECT file's header: ``% sym|asym|bip <weights>`` then ``% m n1 n2``."""

    structure: str  # "sym", "asym" or "bip"
    weights: str  # "unweighted", "positive", "posweighted", "signed", ...
    line: int  # 1-based line of the structure line
    n_edges: int | None = None
    n_left: int | None = None
    n_right: int | None = None
    size_line: int | None = None

    @property
    def weighted(self) -> bool:
        return self.weights not in ("unweighted", "")


@dataclass
class Layout:
    """What reading the head of a file found."""

    dialect: Dialect
    header_at: int  # byte offset of the header line, -1 when there is none
    column_names: list[str]
    has_header: bool
    first_data_line: int  # 1-based line of the first data row (header excluded)
    rows: list[list[str]]  # the fields of the first data rows (header excluded)
    row_lines: list[int]  # their 1-based line numbers
    konect: Konect | None = None
    endpoints: tuple[int, int] | None = None  # header columns named as a source/target pair
    weight_trim: str = ""  # characters to cut from the end of a weight (networkx's dicts)
    notes: dict = field(default_factory=dict)


def sniff(path: Path, compression, delimiter, comments: str, header, endpoint_cols) -> Layout:
    """Read the head of ``path`` and decide the dialect, the header and the column names."""
    size = _HEAD_BYTES
    while True:
        buffer, end, whole_file = text.head(path, compression, size)
        start = 3 if buffer[:3].tobytes() == text.BOM else 0
        text.check_utf8(path, buffer, start, end, 0)
        lines = text.LINE_END.split(buffer[start:end].tobytes().decode("utf-8"))
        data_lines = [
            stripped
            for line in lines
            if (stripped := line.strip(" \t")) and stripped[0] not in comments
        ][:_SNIFF_ROWS]
        if data_lines or whole_file:
            break
        size *= 8  # a long comment block: look further
    if not data_lines:
        raise GraphFormatError(path, None, "no edges: the file has no data lines")

    if delimiter is None:
        # A tab separates fields only if every line of several words has one: files
        # that mix tabs and runs of spaces between ids are blank-separated.
        several = [line for line in data_lines if re.search(r"[ \t]", line)]
        if any("\t" in line for line in several) and all("\t" in line for line in several):
            delimiter = "\t"
        elif any("," in line for line in data_lines):
            delimiter = ","
        else:
            delimiter = " "
    dialect = Dialect(
        blank_separated=delimiter == " ",
        delimiter=ord(delimiter),
        is_comment=_comment_table(comments),
    )
    rows, row_lines, first_row_at = _sample_rows(path, buffer, start, end, dialect)

    first = rows[0]
    endpoints = _named_pair(first) if tuple(endpoint_cols) == (0, 1) else None
    if header == "auto" and endpoints is not None:
        has_header = True
    elif header == "auto":
        positions = [c if isinstance(c, int) else i for i, c in enumerate(endpoint_cols)]
        ends = [first[p] if p < len(first) else "" for p in positions]
        named = all(e.lower() in ENDPOINT_NAMES for e in ends)
        others = [row for row in rows[1:] if len(row) > max(positions)]
        above_numbers = (
            bool(others)
            and not any(NUMBER.fullmatch(e) for e in ends)
            and all(NUMBER.fullmatch(row[p]) for row in others for p in positions)
        )
        has_header = named or above_numbers
    else:
        has_header = bool(header)
    n_columns = max(len(row) for row in rows[:100])
    names = [f"column{i}" for i in range(n_columns)]
    if has_header:
        names[: len(first)] = first
    header_line = text.lines_before(buffer, 0, first_row_at) + 1
    skip = int(has_header)
    return Layout(
        dialect=dialect,
        header_at=first_row_at if has_header else -1,
        column_names=names,
        has_header=has_header,
        first_data_line=row_lines[skip] if len(row_lines) > skip else header_line + skip,
        rows=rows[skip:],
        row_lines=row_lines[skip:],
        konect=_konect(path, lines) if "%" in comments else None,
        endpoints=endpoints if has_header else None,
    )


_ENDPOINT_PAIRS = [
    ("source", "target"),
    ("src", "dst"),
    ("from", "to"),
    ("node1", "node2"),
    ("node_1", "node_2"),
    ("source_id", "target_id"),
    ("sourceid", "targetid"),
    ("id1", "id2"),
]


def _named_pair(fields: list[str]) -> tuple[int, int] | None:
    """Positions of a source/target pair of column names (pandas may put an index first)."""
    lowered = [name.lower() for name in fields]
    for source, target in _ENDPOINT_PAIRS:
        if source in lowered and target in lowered:
            return lowered.index(source), lowered.index(target)
    return None


def tokenize(buffer, start, end, dialect: Dialect, n_needed, skip_at, starts, stops):
    """:func:`loaders._edgelist_kernels.tokenize` over ``buffer[start:end]`` in ``dialect``."""
    return kernels.tokenize(
        buffer,
        start,
        end,
        dialect.blank_separated,
        dialect.delimiter,
        dialect.is_comment,
        n_needed,
        skip_at,
        starts,
        stops,
    )


def _comment_table(comments: str) -> np.ndarray:
    table = np.zeros(256, dtype=np.bool_)
    for character in comments:
        table[ord(character)] = True
    return table


def _sample_rows(path, buffer, start, end, dialect: Dialect):
    """The fields of the first data rows of the head, their lines, and where the first starts."""
    buffer = buffer.copy()  # the tokenizer unescapes quotes in place
    starts = np.empty((_SNIFF_ROWS + 1, _SNIFF_COLUMNS), dtype=np.int32)
    stops = np.empty_like(starts)
    n_rows, _, first_row_at, error, error_line, row_lines, n_fields = tokenize(
        buffer, start, end, dialect, 0, -1, starts, stops
    )
    if error:
        raise GraphFormatError(path, error_line + 1, TOKENIZE_ERRORS[error])
    rows = []
    for row in range(n_rows):
        count = min(int(n_fields[row]), _SNIFF_COLUMNS)
        rows.append(
            [buffer[starts[row, k] : stops[row, k]].tobytes().decode("utf-8") for k in range(count)]
        )
    return rows, [int(line) + 1 for line in row_lines[:n_rows]], first_row_at


_KONECT_STRUCTURE = re.compile(r"%\s*(sym|asym|bip)\b\s*(\w*)", re.ASCII)
_KONECT_SIZES = re.compile(r"%\s*(\d+)\s+(\d+)\s+(\d+)\s*$", re.ASCII)


def _konect(path: Path, lines: list[str]) -> Konect | None:
    """KONECT's header, when the file's first line is one."""
    if not lines or not (match := _KONECT_STRUCTURE.match(lines[0].strip(" \t"))):
        return None
    konect = Konect(structure=match[1], weights=match[2].lower(), line=1)
    for number, line in enumerate(lines[1:3], start=2):
        if sizes := _KONECT_SIZES.match(line.strip(" \t")):
            m, n_left, n_right = (int(sizes[k]) for k in (1, 2, 3))
            return Konect(konect.structure, konect.weights, 1, m, n_left, n_right, number)
    return konect


# ---------------------------------------------------------------- columns


def choose_columns(path: Path, layout: Layout, source_col, target_col, weight_col):
    """Positions of the source, target, weight (or None) and Gephi ``Type`` (or None) columns.

    ``weight_col="auto"`` takes, in this order: what a KONECT header says; a
    header column named like a weight (``weight``, ``value``, ...); else the
    third column when it is a number on every line read for sniffing. A third
    column of integers that look like Unix times (10^8 to 10^10) or that a header
    calls ``time``/``timestamp``/... is not taken, and the load warns that it
    ignored it. A third column numeric on most lines but not all is an error
    naming the first line that is not.
    """
    names = layout.column_names
    lowered = [name.lower() for name in names]

    def position(what: str, column) -> int:
        if isinstance(column, str):
            if column not in names:
                raise GraphFormatError(
                    path, None, f"{what} column {column!r} not in the header ({', '.join(names)})"
                )
            return names.index(column)
        if isinstance(column, bool) or not 0 <= column < len(names):
            raise GraphFormatError(
                path,
                layout.first_data_line,
                f"{what} column {column!r} does not exist; lines have {len(names)} columns",
            )
        return int(column)

    if layout.endpoints is not None and (source_col, target_col) == (0, 1):
        source_col, target_col = layout.endpoints
    source, target = position("source", source_col), position("target", target_col)
    if weight_col == "auto":
        weight_col = _auto_weight_column(path, layout, lowered, (source, target))
    weight = None if weight_col is None else position("weight", weight_col)
    if weight is not None and "weights" not in layout.notes:
        layout.notes["weights"] = _describe_column(layout, weight)
    type_column = None
    if layout.has_header and "type" in lowered:
        candidate = lowered.index("type")
        values = {row[candidate].lower() for row in layout.rows if len(row) > candidate}
        if values and values <= {"directed", "undirected"}:
            type_column = candidate
    return source, target, weight, type_column


def _describe_column(layout: Layout, column: int) -> str:
    named = f" ({layout.column_names[column]!r})" if layout.has_header else ""
    return f"column {column + 1}{named}"


def _auto_weight_column(path: Path, layout: Layout, lowered: list[str], endpoints) -> int | None:
    konect = layout.konect
    if konect is not None:
        if not konect.weighted or len(layout.column_names) < 3:
            return None
        if konect.weights in ("signed", "multisigned"):
            raise GraphFormatError(
                path,
                konect.line,
                f"KONECT weights {konect.weights!r} may be negative, which a gwb graph "
                "cannot hold; pass weight_col=None to read the edges without them",
            )
        layout.notes["weights"] = f"column 3 (KONECT {konect.weights})"
        return 2
    if layout.has_header:
        for k, name in enumerate(lowered):
            if name in WEIGHT_NAMES and k not in endpoints:
                return k
    candidate = 2
    if candidate in endpoints or len(layout.column_names) <= candidate:
        return None
    values = [row[candidate] if len(row) > candidate else "" for row in layout.rows]
    if not layout.has_header and layout.dialect.blank_separated and values[0].startswith("{"):
        return _networkx_data(layout, values)
    numeric = [bool(NUMBER.fullmatch(value)) for value in values]
    if not all(numeric):
        if sum(numeric) * 2 > len(numeric):
            bad = numeric.index(False)
            raise GraphFormatError(
                path,
                layout.row_lines[bad],
                f"column 3 holds numbers on most lines but {values[bad]!r} here; pass "
                "weight_col=None to read the edges without weights, or fix the line",
            )
        return None
    description = _describe_column(layout, candidate)
    if layout.has_header and lowered[candidate] in TIME_NAMES:
        return _ignore(layout, f"{description} holds times")
    if all(value.isdigit() for value in values) and all(
        _UNIX_SECONDS[0] <= int(value) < _UNIX_SECONDS[1] for value in values
    ):
        return _ignore(layout, f"{description} looks like Unix timestamps")
    return candidate


def _ignore(layout: Layout, reason: str) -> None:
    layout.notes["ignored"] = reason
    warnings.warn(
        f"{reason}: not read as edge weights (pass weight_col=2 to use it)",
        UserWarning,
        stacklevel=5,
    )
    return None


def _networkx_data(layout: Layout, values: list[str]) -> int | None:
    """networkx's ``write_edgelist`` writes each edge's data as a dict: ``u v {'weight': 2}``."""
    keys = {value for value in values if value != "{}"}
    if keys <= {"{'weight':", '{"weight":'} and keys:
        layout.weight_trim = "},"
        layout.notes["weights"] = "the 'weight' of networkx's edge data"
        return 3
    if keys:
        layout.notes["ignored"] = "networkx edge data without a leading 'weight' key"
    return None
