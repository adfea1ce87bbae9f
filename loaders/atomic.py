"""Writing files and folders so that a reader never sees half of one.

Everything is first written under a hidden temporary name in the destination's
own folder (so the final rename stays on one filesystem and is atomic), flushed
to disk, given the permissions the user's umask asks for (``tempfile`` would
leave 0600 files and 0700 folders), then renamed into place. A failure at any
point removes the temporary and leaves whatever was at the destination before.

Temporaries are named ``.<name>.<random>.tmp`` (files and folders) and
``.<name>.<random>.old`` (a folder moved aside while its replacement lands), so
:func:`remove_stale` can find those a killed process left behind.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: Temporaries older than this (seconds) are taken as left by a dead process.
STALE_AFTER_S = 3600.0


def current_umask() -> int:
    """The process umask (read without changing it for more than an instant)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode ``open()`` would give a new file: 0o666 less the umask (0644 by default)."""
    return 0o666 & ~current_umask()


def folder_mode() -> int:
    """The mode ``mkdir`` would give a new folder: 0o777 less the umask (0755 by default)."""
    return 0o777 & ~current_umask()


def temporary_path(destination: Path, suffix: str = ".tmp") -> Path:
    """A fresh hidden name beside ``destination``, created as an empty file (mode per umask)."""
    handle, name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=suffix, dir=destination.parent
    )
    os.close(handle)
    os.chmod(name, file_mode())
    return Path(name)


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary)`` then rename the temporary onto ``path``.

    ``write`` receives a path to an existing empty file beside ``path`` and fills it.
    The file is fsynced before the rename and the folder after it.

    >>> import tempfile, os
    >>> folder = Path(tempfile.mkdtemp())
    >>> out = atomic_write(folder / "a.txt", lambda tmp: tmp.write_text("hello"))
    >>> out.read_text(), oct(out.stat().st_mode & 0o777) == oct(file_mode())
    ('hello', True)
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt']
    """
    destination = Path(path)
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(destination)
    try:
        write(temporary)
        fsync_file(temporary)
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(destination.parent)
    return destination


def make_staging_folder(destination: Path) -> Path:
    """A hidden empty folder beside ``destination`` (mode per umask) to fill and rename."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(
        tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    )
    os.chmod(folder, folder_mode())
    return folder


def remove_stale(destination: Path, *, older_than_s: float = STALE_AFTER_S) -> int:
    """Remove ``.<name>.*.tmp`` / ``.old`` temporaries of ``destination`` left by a crash.

    Only those older than ``older_than_s`` go, so a writer still at work in
    another process keeps its temporary. Returns how many were removed.
    """
    parent = destination.parent
    if not parent.is_dir():
        return 0
    now = time.time()
    removed = 0
    for candidate in parent.glob(f".{_glob_escape(destination.name)}.*"):
        if candidate.suffix not in (".tmp", ".old"):
            continue
        try:
            if now - candidate.lstat().st_mtime < older_than_s:
                continue
            if candidate.is_dir() and not candidate.is_symlink():
                shutil.rmtree(candidate)
            else:
                candidate.unlink()
            removed += 1
        except OSError:
            continue
    return removed


#: ``renameat2`` flag: swap the two paths atomically (Linux 3.15+).
RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange_paths(first: str | os.PathLike, second: str | os.PathLike) -> bool:
    """Swap two existing paths in one atomic step; False where the system cannot.

    Uses Linux's ``renameat2(..., RENAME_EXCHANGE)``, so a folder can replace
    another with no moment at which neither is at the path. Returns False, having
    changed nothing, off Linux, with a C library that lacks ``renameat2`` (glibc
    before 2.28, some musl builds), or on a filesystem that refuses the flag;
    callers then fall back to two renames. Other failures raise ``OSError``.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a").write_text("A"), (folder / "b").write_text("B")
    >>> swapped = exchange_paths(folder / "a", folder / "b")
    >>> (folder / "a").read_text() == ("B" if swapped else "A")
    True
    """
    rename = _renameat2()
    if rename is None:
        return False
    status = rename(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if status == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False  # the kernel or this filesystem has no atomic exchange
    raise OSError(code, os.strerror(code), os.fspath(first), None, os.fspath(second))


def _renameat2():
    """The C library's ``renameat2``, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    path_at = [ctypes.c_int, ctypes.c_char_p]
    function.argtypes = [*path_at, *path_at, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def remove_path(path: Path) -> None:
    """Remove a file, a symlink (not what it points to) or a folder tree; best effort."""
    try:
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)
    except OSError:
        pass


def fsync_file(path: Path) -> None:
    """Flush a file's data to disk (best effort on filesystems that refuse)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename inside it) to disk, best effort."""
    fsync_file(path)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
