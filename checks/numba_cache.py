"""The project's Numba cache, keyed by the source of every kernel module.

Numba checks a cached kernel against the content of its own file only. A kernel
that calls a kernel of another file (``forward_push`` in the diffusion kernels
calls the push kernels) or reads a constant from one keeps its cached machine
code when only that other file changes, and runs stale code: we saw it after
editing a helper, and deleting ``__pycache__/*.nbi *.nbc`` was the workaround.

Importing this module (the ``loaders``, ``sketches`` and ``engine`` packages do,
first thing, so it happens before any of their kernels is decorated) puts a
cache locator in front of Numba's own for the project's files. It keeps the
cache where Numba would put it (``NUMBA_CACHE_DIR`` when set, else
``__pycache__`` beside the source, else the user-wide cache) and changes one
thing: a cached kernel's source stamp also carries :data:`KERNEL_SOURCE_KEY`, a
hash of every project module that mentions Numba and of the project modules
those import. A change to any of them turns every cached kernel of the project
into a miss, recompiled at its first call, and never into stale code.

It lives in ``checks``, the bottom layer, because ``loaders`` and ``sketches``
both compile kernels and neither may import the other.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from numba.core import caching

#: The project's packages whose files the key reads and the locator serves.
PACKAGES = ("checks", "loaders", "sketches", "engine")
PROJECT_ROOT = Path(__file__).resolve().parent.parent

_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)
_PLAIN_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w.]+)", re.M)


def module_file(root: Path, dotted: str) -> Path | None:
    """The file of the module ``dotted`` under ``root`` (a module or a package), if any."""
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_files(source: str, root: Path, packages: Iterable[str]) -> set[Path]:
    """Files under ``root`` of the ``packages`` modules that ``source`` imports.

    ``from a.b import c`` counts ``a/b.py`` (or ``a/b/__init__.py``) and, when ``c``
    is a module itself, ``a/b/c.py``; imports of other packages are left out.
    """
    prefixes = tuple(packages)
    found = set()
    for dotted, names in _FROM_IMPORT.findall(source):
        if dotted.split(".")[0] not in prefixes:
            continue
        # Every word after "import" may name a submodule; words that do not (an
        # alias, a comment) name no file and drop out.
        for name in re.findall(r"\w+", names):
            found.add(module_file(root, f"{dotted}.{name}"))
        found.add(module_file(root, dotted))
    for dotted in _PLAIN_IMPORT.findall(source):
        if dotted.split(".")[0] in prefixes:
            found.add(module_file(root, dotted))
    found.discard(None)
    return found


def kernel_source_key(root: Path = PROJECT_ROOT, packages: Iterable[str] = PACKAGES) -> str:
    """A hash of every module of ``packages`` that mentions Numba and of what those import.

    The files are read, not imported, so the key costs a few milliseconds and
    no import. Only those files count: editing a module without kernels (a
    docstring of ``engine/cluster.py``) keeps the cache, editing a kernel, a
    kernel's callee or a constant a kernel reads clears it.

    >>> key = kernel_source_key()
    >>> len(key), key == kernel_source_key()
    (16, True)
    """
    packages = tuple(packages)
    files = sorted(path for package in packages for path in (root / package).rglob("*.py"))
    sources = {path: path.read_bytes() for path in files}
    keyed = set()
    for path, source in sources.items():
        if b"numba" in source:
            keyed.add(path)
            keyed |= imported_files(source.decode("utf-8", "replace"), root, packages)
    digest = hashlib.sha256()
    for path in sorted(keyed):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(sources.get(path) or path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


#: The key of the kernel sources this process imported, taken once at import.
KERNEL_SOURCE_KEY = kernel_source_key()

#: Folders whose kernels the keyed locators serve; see :func:`serve`.
_SERVED: dict[Path, str] = {(PROJECT_ROOT / package): KERNEL_SOURCE_KEY for package in PACKAGES}


def key_of(py_file: str) -> str | None:
    """The source key that stamps the cache of kernels defined in ``py_file``, or None."""
    path = Path(py_file).resolve()
    for folder, key in _SERVED.items():
        if path.is_relative_to(folder):
            return key
    return None


def serve(folder: Path, key: str) -> None:
    """Key the cache of kernels defined under ``folder`` by ``key`` from now on.

    For tests and tools whose kernels live outside the project's packages; the
    project's own are served from import.
    """
    _SERVED[Path(folder).resolve()] = key


class _Keyed:
    """Mix-in: serve only keyed files, and add their key to Numba's source stamp."""

    @classmethod
    def from_function(cls, py_func, py_file):
        if key_of(py_file) is None:
            return None
        return super().from_function(py_func, py_file)

    def get_source_stamp(self):
        return (super().get_source_stamp(), key_of(self._py_file))


class KeyedUserProvidedLocator(_Keyed, caching.UserProvidedCacheLocator):
    """``NUMBA_CACHE_DIR``, when set, with the keyed stamp."""


class KeyedInTreeLocator(_Keyed, caching.InTreeCacheLocator):
    """``__pycache__`` beside the source, with the keyed stamp."""


class KeyedUserWideLocator(_Keyed, caching.UserWideCacheLocator):
    """The user-wide cache (a read-only install), with the keyed stamp."""


KEYED_LOCATORS = (KeyedUserProvidedLocator, KeyedInTreeLocator, KeyedUserWideLocator)

# Numba's CacheImpl was _CacheImpl before 0.61; the list is shared by its subclasses.
_LOCATORS = getattr(caching, "CacheImpl", None) or caching._CacheImpl
if _LOCATORS._locator_classes[0] is not KEYED_LOCATORS[0]:
    _LOCATORS._locator_classes[:0] = KEYED_LOCATORS
