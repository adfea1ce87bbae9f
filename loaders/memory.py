"""How much memory the machine has free, the limit gwb holds itself to, and the error past it.

Two kinds of work check their memory before they allocate:

- readers compare what a file's header *declares* (a Matrix Market size line, a
  Pajek ``*Vertices`` count) with :func:`memory_limit`, so that a file of a few
  bytes cannot make them allocate gigabytes;
- heavy engine calls (FastRP, 5-node orbits, the PPR index) compare their
  estimate (:mod:`engine.estimate`) with :func:`memory_limit` and raise
  :class:`InsufficientMemoryError` naming the parameter to lower.

The limit is, first found: an explicit ``memory_limit=`` argument, the
``GWB_MEMORY_LIMIT`` environment variable (bytes, or with a K/M/G/T suffix,
powers of 1024), else what the machine has available (:func:`available_memory`).
Readers cap that default further with :func:`read_cap`, because a header is
untrusted input: it may ask for what the file's own bytes could fill, plus 1 GiB.

Examples
--------
>>> available_memory() > 0
True
>>> parse_size("1.5G")
1610612736
>>> check_memory(10, "a tiny job", limit=100)  # fits: nothing happens
>>> try:
...     check_memory(2 * 2**30, "fastrp(dim=4096)", parameter="dim", limit=2**30)
... except InsufficientMemoryError as error:
...     print(error)  # doctest: +NORMALIZE_WHITESPACE
fastrp(dim=4096) needs about 2.0 GiB (2,147,483,648 bytes) but the memory limit is
1.0 GiB (1,073,741,824 bytes, memory_limit=); lower dim
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: Environment variable overriding the memory limit (bytes, or e.g. ``8G``).
ENV_VAR = "GWB_MEMORY_LIMIT"

#: What any file's header may ask for by default, whatever its size (see :func:`read_cap`).
READ_ALLOWANCE = 2**30
#: ...plus this much per byte of (uncompressed) file: the most any reader was
#: measured to need per byte holding content (igraph's Pajek parse, 34).
READ_BYTES_PER_FILE_BYTE = 64
#: Compressed files: their text is taken to be this many times their size (edge
#: lists compress 3-8x; the guess errs towards reading a genuine file).
COMPRESSION_RATIO = 20

#: Used when neither /proc/meminfo, a cgroup nor ``sysconf`` says anything.
FALLBACK_AVAILABLE = 2 * 2**30

_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_CGROUP_ROOT = Path("/sys/fs/cgroup")


class InsufficientMemoryError(MemoryError):
    """Work that would need more memory than the limit allows.

    Raised before anything is allocated. ``needed`` and ``available`` are in
    bytes; ``parameter`` names what to lower (e.g. ``"dim"``), when one helps.
    """

    def __init__(
        self,
        needed: int,
        available: int,
        what: str,
        parameter: str | None = None,
        source: str = "available memory",
    ):
        self.needed, self.available = int(needed), int(available)
        self.what, self.parameter = what, parameter
        if source == "available memory":
            room = f"{format_bytes(available)} ({available:,} bytes) is available"
        else:
            room = f"the memory limit is {format_bytes(available)} ({available:,} bytes, {source})"
        advice = f"; lower {parameter}" if parameter else ""
        super().__init__(
            f"{what} needs about {format_bytes(needed)} ({needed:,} bytes) but {room}{advice}"
        )


def available_memory() -> int:
    """Bytes this process can still allocate without swapping, as best the OS tells.

    The smallest of: ``MemAvailable`` from ``/proc/meminfo`` (Linux), the room
    left under a cgroup memory limit (v2 ``memory.max``, v1
    ``memory.limit_in_bytes``; reclaimable page cache counted as free), and
    ``sysconf``'s free pages elsewhere; :data:`FALLBACK_AVAILABLE` when none answers.

    >>> available_memory() >= 1
    True
    """
    candidates = [value for value in (_meminfo_available(), _cgroup_room()) if value is not None]
    if not candidates:
        candidates.append(_sysconf_available() or FALLBACK_AVAILABLE)
    return max(1, min(candidates))


def memory_limit(limit: int | str | None = None, *, cap: int | None = None) -> tuple[int, str]:
    """``(bytes, where it came from)``: ``limit`` if given, else ``$GWB_MEMORY_LIMIT``,
    else :func:`available_memory` (at most ``cap``).

    >>> memory_limit(1000)
    (1000, 'memory_limit=')
    >>> memory_limit("2K")
    (2048, 'memory_limit=')
    """
    if limit is not None:
        return _positive_size(limit, "memory_limit"), "memory_limit="
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return _positive_size(from_env, ENV_VAR), ENV_VAR
    available = available_memory()
    if cap is not None and cap < available:
        return cap, "gwb's default for a file of this size"
    return available, "available memory"


def read_cap(file_bytes: int, *, compressed: bool = False) -> int:
    """The default most a reader lets a file's header declare: :data:`READ_ALLOWANCE`
    plus :data:`READ_BYTES_PER_FILE_BYTE` per byte of the file's text.

    A genuine file's sizes are backed by its content: a 100M-edge Matrix
    Market file is gigabytes long and may ask for the memory its edges need; a
    60-byte file declaring 10⁸ nodes may not (a graph that is mostly isolated
    nodes passes ``memory_limit=``). Without this cap, a header asking for less
    than the free memory would still be honoured on a large machine.

    >>> read_cap(1000) == 2**30 + 64_000
    True
    """
    text_bytes = int(file_bytes) * (COMPRESSION_RATIO if compressed else 1)
    return READ_ALLOWANCE + READ_BYTES_PER_FILE_BYTE * text_bytes


def check_memory(
    needed: int,
    what: str,
    *,
    parameter: str | None = None,
    limit: int | str | None = None,
) -> None:
    """Raise :class:`InsufficientMemoryError` when ``needed`` bytes exceed :func:`memory_limit`.

    ``what`` says who needs them (e.g. ``"fastrp(dim=128) on 1,000,000 nodes"``),
    ``parameter`` what to lower.
    """
    allowed, source = memory_limit(limit)
    if needed > allowed:
        raise InsufficientMemoryError(needed, allowed, what, parameter, source)


def graph_read_memory(n_nodes: int, n_entries: int, *, weighted: bool = True) -> int:
    """Peak bytes of building a :class:`~loaders.Graph` from ``n_entries`` edge endpoints pairs.

    The parse arrays (two int64 endpoint columns, float64 weights), the counting
    sort's int64 slots and weights, and the final CSR. Measured (tracemalloc,
    :func:`~loaders.read_matrix_market`): 46 bytes per pattern entry and 66 per
    weighted one, about 30 per node; the constants round those up.

    >>> graph_read_memory(1_000_000, 10_000_000)
    672000032
    """
    per_entry = 64 if weighted else 48
    return 32 * (int(n_nodes) + 1) + per_entry * int(n_entries)


def parse_size(text: str | int) -> int:
    """Bytes from ``1234``, ``"64M"``, ``"1.5G"`` or ``"2TB"`` (powers of 1024).

    >>> parse_size("64M")
    67108864
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([kmgt]?)i?b?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(
            f"a memory size must be a number of bytes, optionally with K, M, G or T; got {text!r}"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def format_bytes(count: int) -> str:
    """``1.5 GiB``-style text for a byte count.

    >>> format_bytes(3 * 2**29)
    '1.5 GiB'
    """
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _positive_size(value, name: str) -> int:
    try:
        size = parse_size(value)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None
    if size <= 0:
        raise ValueError(f"{name} must be a positive number of bytes; got {value!r}")
    return size


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> int | None:
    """Room under the tightest cgroup memory limit that applies to this process, if any."""
    rooms = []
    for folder in _cgroup_folders():
        for limit_file, usage_file, cache_key in (
            ("memory.max", "memory.current", "inactive_file"),  # cgroup v2
            ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"),  # v1
        ):
            limit = _read_int(folder / limit_file)
            if limit is None or limit >= 2**60:  # "max" or v1's "unlimited" page-rounded 2^63
                continue
            usage = _read_int(folder / usage_file) or 0
            # Inactive page cache is dropped on demand: count it as free.
            usage -= _stat_value(folder / "memory.stat", cache_key) or 0
            rooms.append(max(0, limit - max(usage, 0)))
    return min(rooms) if rooms else None


def _cgroup_folders() -> list[Path]:
    # Inside a cgroup namespace our group is the mount's root; outside, /proc/self/cgroup
    # names it below the root. Looking in both costs a few stat calls.
    folders = [_CGROUP_ROOT, _CGROUP_ROOT / "memory"]
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, relative = parts
        if controllers == "":
            folders.append(_CGROUP_ROOT / relative.lstrip("/"))
        elif "memory" in controllers.split(","):
            folders.append(_CGROUP_ROOT / "memory" / relative.lstrip("/"))
    return list(dict.fromkeys(folders))


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None  # absent, or "max"


def _stat_value(path: Path, key: str) -> int | None:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return None


def _sysconf_available() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
