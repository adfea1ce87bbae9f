"""The kernels' Numba cache is keyed by their sources (checks/numba_cache.py, issue #22):
a change to a callee in another file recompiles its callers instead of running the
machine code cached before the change."""

import gc
import os
import subprocess
import sys
import textwrap
import weakref

from numba.core.registry import CPUDispatcher

import engine  # noqa: F401  (imports every kernel module of the project)
from checks import numba_cache

CALLEE = "from numba import njit\n\n\n@njit(cache=True)\ndef step(x):\n    return x + {step}\n"
KERNEL = textwrap.dedent(
    """\
    from numba import njit

    from pkgx.callee import step


    @njit(cache=True)
    def advance(x):
        return step(x) * 10
    """
)
RUN = textwrap.dedent(
    """\
    import sys
    from pathlib import Path

    from checks import numba_cache

    root = Path(sys.argv[1])
    numba_cache.serve(root / "pkgx", numba_cache.kernel_source_key(root, ["pkgx"]))
    sys.path.insert(0, str(root))
    from pkgx.kernel import advance

    print(advance(1), advance.stats.cache_hits.total())
    """
)


def _package(root, step: int) -> None:
    (root / "pkgx").mkdir(exist_ok=True)
    (root / "pkgx" / "__init__.py").write_text("")
    (root / "pkgx" / "callee.py").write_text(CALLEE.format(step=step))
    (root / "pkgx" / "kernel.py").write_text(KERNEL)
    (root / "pkgx" / "notes.py").write_text("WORDS = 'no kernels here'\n")


def test_a_callee_change_changes_the_key(tmp_path):
    _package(tmp_path, step=1)
    before = numba_cache.kernel_source_key(tmp_path, ["pkgx"])
    (tmp_path / "pkgx" / "notes.py").write_text("WORDS = 'still no kernels'\n")
    assert numba_cache.kernel_source_key(tmp_path, ["pkgx"]) == before
    _package(tmp_path, step=2)
    assert numba_cache.kernel_source_key(tmp_path, ["pkgx"]) != before


def test_a_constant_from_an_imported_module_is_keyed(tmp_path):
    """A kernel freezes the globals it reads: the module it reads them from counts."""
    _package(tmp_path, step=1)
    (tmp_path / "pkgx" / "kernel.py").write_text(KERNEL + "\nfrom pkgx.notes import WORDS\n")
    before = numba_cache.kernel_source_key(tmp_path, ["pkgx"])
    (tmp_path / "pkgx" / "notes.py").write_text("WORDS = 'changed'\n")
    assert numba_cache.kernel_source_key(tmp_path, ["pkgx"]) != before


def _run(root, cache) -> tuple[int, int]:
    environment = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    environment["PYTHONPATH"] = os.pathsep.join([os.getcwd(), environment.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(root)],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    result, hits = done.stdout.split()
    return int(result), int(hits)


def test_no_stale_machine_code_after_a_callee_changes(tmp_path):
    """Numba alone would load advance's cached code, which inlined the old step."""
    root, cache = tmp_path / "src", tmp_path / "cache"
    root.mkdir()
    _package(root, step=1)
    assert _run(root, cache) == (20, 0)
    assert _run(root, cache) == (20, 1)  # unchanged sources: served from the cache
    _package(root, step=2)
    result, _ = _run(root, cache)
    assert result == 30


def test_every_project_kernel_is_keyed():
    """Each package imports checks.numba_cache before its kernels are decorated."""
    # type(), not isinstance(): isinstance reads a weak proxy's referent, and a proxy
    # whose referent has died (networkx's backend machinery leaves some) raises.
    dispatchers = [
        d
        for d in gc.get_objects()
        if type(d) not in weakref.ProxyTypes and isinstance(d, CPUDispatcher)
    ]
    ours = [
        d
        for d in dispatchers
        if d.py_func.__module__.split(".")[0] in numba_cache.PACKAGES and hasattr(d._cache, "_impl")
    ]
    assert len(ours) > 50
    unkeyed = [
        f"{d.py_func.__module__}.{d.py_func.__qualname__}"
        for d in ours
        if not isinstance(d._cache._impl.locator, numba_cache.KEYED_LOCATORS)
    ]
    assert unkeyed == []
