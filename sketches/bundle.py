"""Reading ``.npz`` index bundles that may be damaged or hostile.

An index file comes from disk, so a flipped bit, a truncated copy or a crafted
file must end in an error that names the file, never in a Numba kernel reading
outside an array (a segfault), numpy unpickling an object, or a gigabyte
allocation on the word of a header. :func:`open_bundle` therefore reads each
member's ``.npy`` header first and checks its dtype and shape against what the
caller expects *before* allocating anything, and checks the byte count it implies
against what the zip member holds; the data is then read to the end, which makes
``zipfile`` check the member's CRC-32. Only the listed dtypes in native byte
order are read: an object array (a pickle) is refused from its header.

The checks of values (offsets, ids in range) are the callers': only they know
what the arrays index. This module is their one home below ``engine`` because
``sketches`` may import neither ``loaders`` nor ``engine``.
"""

from __future__ import annotations

import json
import lzma
import math
import os
import struct
import tokenize
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np
from numpy.lib import format as npy

#: Largest ``meta`` member read (bytes): the JSON parameters are a few hundred.
META_LIMIT = 1 << 20
#: Deflate cannot expand data by more than about 1032x; a member that claims more
#: is lying about its size, and believing it would mean a huge allocation.
_MAX_RATIO = 1100
_CHUNK = 1 << 20

# What a damaged zip or npy can raise from zipfile, zlib, lzma, bz2 (OSError) and
# numpy's header parser; our own IndexFileError is a ValueError and passes through.
_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,  # a flipped compression method
    RuntimeError,  # a flipped "encrypted" flag: zipfile asks for a password
    struct.error,
    OverflowError,
    SyntaxError,  # numpy's header parser on a mangled dict
    tokenize.TokenError,  # ... which tokenizes it first
    KeyError,
    TypeError,
)


class IndexFileError(ValueError):
    """A saved index (``.npz``) that is damaged, truncated or not an index at all.

    The message names the file and what is wrong with it, e.g.
    ``karate.ppr-index.npz: ends[17] is 90, outside [-1, 34)``.
    """

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class Bundle:
    """An open ``.npz`` whose members are read with their headers checked first."""

    def __init__(self, path: str | os.PathLike, archive: zipfile.ZipFile, size: int):
        self.path = os.fspath(path)
        self._archive = archive
        self._size = size

    def error(self, reason: str) -> IndexFileError:
        """An :class:`IndexFileError` naming this file."""
        return IndexFileError(self.path, reason)

    def array(
        self,
        name: str,
        dtypes: Sequence[np.dtype | type],
        shape: Sequence[int | None],
    ) -> np.ndarray:
        """Read member ``name`` (a C-contiguous, writeable array).

        ``dtypes`` are the accepted dtypes (native byte order); ``shape`` the
        expected shape, ``None`` where any length is fine.
        """
        info = self._member(name)
        try:
            with self._archive.open(info) as member:
                found_shape, fortran, dtype = _read_header(member)
                self._check_header(name, found_shape, dtype, dtypes, shape)
                count = math.prod(found_shape)
                nbytes = count * dtype.itemsize
                if info.file_size - member.tell() != nbytes:
                    raise self.error(
                        f"member {name!r} holds {info.file_size - member.tell()} bytes of data "
                        f"but its header declares {nbytes} (shape {found_shape})"
                    )
                array = np.empty(count, dtype=dtype)
                _read_into(member, memoryview(array).cast("B"))
                # Past the end: zipfile checks the CRC-32 once the last byte is read.
                if member.read(1):
                    raise self.error(f"member {name!r} is longer than its header says")
        except IndexFileError:
            raise
        except _DAMAGE as error:
            raise self.error(f"member {name!r} is damaged ({_describe(error)})") from error
        if fortran and len(found_shape) > 1:
            return np.ascontiguousarray(array.reshape(found_shape[::-1]).T)
        return array.reshape(found_shape)

    def meta(self, name: str = "meta") -> dict:
        """The JSON object stored as a 0-d unicode array in member ``name``."""
        info = self._member(name)
        if info.file_size > META_LIMIT:
            raise self.error(f"member {name!r} is {info.file_size} bytes, over {META_LIMIT}")
        try:
            with self._archive.open(info) as member:
                shape, _, dtype = _read_header(member)
                if dtype.kind != "U" or shape != ():
                    raise self.error(
                        f"member {name!r} must be a JSON string; found {dtype.str} {shape}"
                    )
                data = member.read(META_LIMIT + 1)
            text = np.frombuffer(data, dtype=dtype, count=1)[0].item()
            meta = json.loads(text)
        except IndexFileError:
            raise
        except (*_DAMAGE, RecursionError) as error:
            raise self.error(f"member {name!r} is damaged ({_describe(error)})") from error
        if not isinstance(meta, dict):
            raise self.error(f"member {name!r} must be a JSON object; found {type(meta).__name__}")
        return meta

    # -------------------------------------------------------- typed meta fields

    def integer(self, meta: Mapping, key: str, low: int, high: int | None = None) -> int:
        """``meta[key]`` as an int (not a bool) in ``[low, high]``."""
        value = self._field(meta, key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"meta {key!r} must be an integer; found {_short(value)}")
        if value < low or (high is not None and value > high):
            span = f"[{low}, {high}]" if high is not None else f">= {low}"
            raise self.error(f"meta {key!r} is {value}, outside {span}")
        return value

    def number(
        self,
        meta: Mapping,
        key: str,
        low: float,
        high: float = math.inf,
        *,
        low_open: bool = True,
        high_open: bool = True,
    ) -> float:
        """``meta[key]`` as a finite float between ``low`` and ``high`` (open ends by default)."""
        value = self._field(meta, key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(f"meta {key!r} must be a number; found {_short(value)}")
        try:
            value = float(value)
        except OverflowError:  # JSON integers have no size limit
            raise self.error(f"meta {key!r} is {_short(value)}, far out of range") from None
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        if not (math.isfinite(value) and above and below):
            span = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
            raise self.error(f"meta {key!r} is {value!r}, outside {span}")
        return value

    def flag(self, meta: Mapping, key: str) -> bool:
        """``meta[key]`` as a bool."""
        value = self._field(meta, key)
        if not isinstance(value, bool):
            raise self.error(f"meta {key!r} must be true or false; found {_short(value)}")
        return value

    def text(self, meta: Mapping, key: str) -> str:
        """``meta[key]`` as a str."""
        value = self._field(meta, key)
        if not isinstance(value, str):
            raise self.error(f"meta {key!r} must be a string; found {_short(value)}")
        return value

    def mapping(self, meta: Mapping, key: str) -> dict:
        """``meta[key]`` as a JSON object."""
        value = self._field(meta, key)
        if not isinstance(value, dict):
            raise self.error(f"meta {key!r} must be a JSON object; found {_short(value)}")
        return value

    # ------------------------------------------------------------- internals

    def _field(self, meta: Mapping, key: str):
        if key not in meta:
            raise self.error(f"meta has no {key!r}")
        return meta[key]

    def _member(self, name: str) -> zipfile.ZipInfo:
        try:
            info = self._archive.getinfo(f"{name}.npy")
        except KeyError:
            raise self.error(f"no member {name!r}; not an index written by gwb?") from None
        # A member cannot hold more than the archive, nor inflate past deflate's
        # limit: both bound the allocation before the header is believed.
        if info.header_offset + info.compress_size > self._size:
            raise self.error(f"member {name!r} runs past the end of the file (truncated?)")
        if info.file_size > _MAX_RATIO * info.compress_size + 1024:
            raise self.error(
                f"member {name!r} claims {info.file_size} bytes from {info.compress_size}"
            )
        return info

    def _check_header(self, name, found_shape, dtype, dtypes, shape) -> None:
        accepted = [np.dtype(d) for d in dtypes]
        if dtype.hasobject:
            raise self.error(f"member {name!r} is an object array (a pickle); refused")
        if dtype not in accepted:
            names = " or ".join(d.name for d in accepted)
            raise self.error(f"member {name!r} has dtype {dtype.str}; expected {names}")
        if len(found_shape) != len(shape) or any(
            want is not None and have != want for have, want in zip(found_shape, shape)
        ):
            wanted = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise self.error(f"member {name!r} has shape {found_shape}; expected {wanted}")


@contextmanager
def open_bundle(path: str | os.PathLike) -> Iterator[Bundle]:
    """Open ``path`` as a :class:`Bundle`; anything that is not a readable zip is an
    :class:`IndexFileError` naming it (a missing file stays ``FileNotFoundError``).

    >>> import io, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npz")
    >>> np.savez(path, a=np.arange(3), meta=np.array('{"k": 1}'))
    >>> with open_bundle(path) as bundle:
    ...     bundle.array("a", [np.int64], [None]).tolist(), bundle.meta()
    ([0, 1, 2], {'k': 1})
    >>> with open(path, "wb") as sink:
    ...     _ = sink.write(b"not a zip")
    >>> with open_bundle(path) as bundle:  # doctest: +ELLIPSIS
    ...     pass
    Traceback (most recent call last):
    ...
    sketches.bundle.IndexFileError: ...x.npz: not a .npz index (File is not a zip file)
    """
    handle = open(path, "rb")
    try:
        size = os.fstat(handle.fileno()).st_size
        try:
            archive = zipfile.ZipFile(handle)
        except _DAMAGE as error:
            raise IndexFileError(path, f"not a .npz index ({_describe(error)})") from error
        with archive:
            yield Bundle(path, archive, size)
    finally:
        handle.close()


def check_offsets(bundle: Bundle, name: str, offsets: np.ndarray, length: int | None) -> None:
    """Refuse CSR-style ``offsets`` that do not start at 0, decrease, or (when
    ``length`` is given) do not end at ``length``, the size of the array they index."""
    if not len(offsets):
        raise bundle.error(f"{name} is empty; it needs at least one entry")
    if offsets[0] != 0:
        raise bundle.error(f"{name}[0] is {offsets[0]}, not 0")
    steps = np.diff(offsets)
    if len(steps) and steps.min() < 0:
        at = int(np.argmax(steps < 0))
        raise bundle.error(f"{name} decrease at {at + 1} ({offsets[at]} then {offsets[at + 1]})")
    if length is not None and offsets[-1] != length:
        raise bundle.error(f"{name} end at {offsets[-1]}, not at {length}")


def check_range(bundle: Bundle, name: str, values: np.ndarray, low: int, high: int) -> None:
    """Refuse ``values`` outside ``[low, high)``, naming the first one out."""
    if not len(values):
        return
    if values.min() < low or values.max() >= high:
        at = int(np.argmax((values < low) | (values >= high)))
        raise bundle.error(f"{name}[{at}] is {values[at]}, outside [{low}, {high})")


def _read_header(member) -> tuple[tuple[int, ...], bool, np.dtype]:
    major, _ = npy.read_magic(member)
    if major == 1:
        return npy.read_array_header_1_0(member)
    if major == 2:
        return npy.read_array_header_2_0(member)
    raise ValueError(f"unsupported .npy format version {major}")


def _read_into(member, view: memoryview) -> None:
    # In 1 MiB pieces: zipfile's read(n) builds the whole n bytes by concatenation
    # (readinto too, then copies), which made one big read 4x slower than np.load.
    filled = 0
    while filled < len(view):
        chunk = member.read(min(_CHUNK, len(view) - filled))
        if not chunk:
            raise EOFError(f"data ends after {filled} of {len(view)} bytes")
        view[filled : filled + len(chunk)] = chunk
        filled += len(chunk)


def _describe(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
