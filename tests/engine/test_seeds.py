"""One seed rule for every seeded function and command: None or an integer in [0, 2**32).

The contract: each public function that takes ``seed`` (found by inspection, so a
new one cannot slip past) and each CLI option that takes one refuses the same bad
seeds with the same message, from :func:`checks.check_seed`.
"""

import inspect

import numpy as np
import pytest

import engine
import loaders
import sketches.lsh
import sketches.minhash
import sketches.random_projection
from checks import check_seed

BAD_SEEDS = [-1, 2**32, 2**64, 1.5, 1.0, "x", "3", True, np.bool_(False), np.int64(-5)]
GOOD_SEEDS = [0, 7, 2**32 - 1, np.int64(7), np.uint32(7), None]


def message(seed) -> str:
    return f"seed must be None or an integer in [0, 2**32); got {seed!r}"


@pytest.fixture(scope="module")
def karate():
    return engine.sample("karate")


def _calls(g):
    """Every seeded public function, called with a given seed (cheaply)."""
    indptr, indices = g.indptr, g.indices
    return {
        "engine.ppr": lambda s: engine.ppr(g, 0, seed=s, device="cpu"),
        "engine.ppr (exact: seed unused, still checked)": lambda s: engine.ppr(
            g, 0, method="exact", seed=s
        ),
        "engine.ppr_batch": lambda s: engine.ppr_batch(g, [0], seed=s, device="cpu"),
        "engine.PPRIndex.build": lambda s: engine.PPRIndex.build(g, seed=s),
        "engine.fastrp": lambda s: engine.fastrp(g, dim=4, seed=s, device="cpu"),
        "engine.local_cluster": lambda s: engine.local_cluster(g, 0, seed=s),
        "engine.local_cluster_batch": lambda s: engine.local_cluster_batch(g, [0], seed=s),
        "engine.ncp": lambda s: engine.ncp(g, n_seeds=2, seed=s),
        "engine.NeighbourhoodIndex.build": lambda s: engine.NeighbourhoodIndex.build(
            g, num_perm=16, seed=s, device="cpu"
        ),
        "loaders.rmat": lambda s: loaders.rmat(4, 2, seed=s),
        "loaders.planted_partition": lambda s: loaders.planted_partition(
            [30, 30], 0.3, 0.05, seed=s
        ),
        "sketches.minhash.minhash_signatures": lambda s: sketches.minhash.minhash_signatures(
            indptr, indices, num_perm=4, seed=s
        ),
        "sketches.minhash.permutations": lambda s: sketches.minhash.permutations(4, s),
        "sketches.minhash.lean_minhash": lambda s: sketches.minhash.lean_minhash(
            np.zeros(4, np.uint32), s
        ),
        "sketches.lsh.MinHashLSH": lambda s: sketches.lsh.MinHashLSH(0.5, 16, seed=s),
        "sketches.random_projection.very_sparse_random_projection": lambda s: (
            sketches.random_projection.very_sparse_random_projection(4, 3, seed=s)
        ),
    }


def _seeded_public_functions() -> set[str]:
    """Qualified names of public functions and classes (and their public methods) with ``seed``."""
    found = set()
    modules = {
        "engine": engine,
        "loaders": loaders,
        "sketches.minhash": sketches.minhash,
        "sketches.lsh": sketches.lsh,
        "sketches.random_projection": sketches.random_projection,
    }
    for prefix, module in modules.items():
        exported = getattr(module, "__all__", None)
        for name in exported or dir(module):
            obj = getattr(module, name)
            if name.startswith("_") or not callable(obj) or name == "check_seed":
                continue
            if exported is None and getattr(obj, "__module__", None) != module.__name__:
                continue  # imported there (datasketch's MinHash, a sibling's helper)
            if inspect.isclass(obj):
                members = {
                    f"{prefix}.{name}.{m}": getattr(obj, m)
                    for m in vars(obj)
                    if not m.startswith("_")
                }
                members[f"{prefix}.{name}"] = obj
            else:
                members = {f"{prefix}.{name}": obj}
            for qualified, member in members.items():
                member = (
                    member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                )
                try:
                    parameters = inspect.signature(member).parameters
                except (TypeError, ValueError):
                    continue
                if "seed" in parameters:
                    found.add(qualified)
    return found


def test_every_seeded_public_function_is_in_the_contract(karate):
    called = {name.split(" (")[0] for name in _calls(karate)}
    # PPRIndex's constructor takes the seed an index was built or loaded with;
    # ppr_batch takes its seed through **options (for the methods that use one).
    found = _seeded_public_functions() - {"engine.PPRIndex"} | {"engine.ppr_batch"}
    assert found == called


@pytest.mark.parametrize("seed", BAD_SEEDS, ids=repr)
def test_every_seeded_function_refuses_a_bad_seed_alike(karate, seed):
    for name, call in _calls(karate).items():
        with pytest.raises(ValueError) as refused:
            call(seed)
        assert str(refused.value) == message(seed), name


def test_good_seeds_are_accepted_and_numpy_ints_equal_python_ints(karate):
    for seed in GOOD_SEEDS:
        assert check_seed(seed) == (None if seed is None else int(seed))
    for call in _calls(karate).values():
        call(2**32 - 1)
    same = engine.fastrp(karate, dim=8, seed=np.int64(3), device="cpu")
    np.testing.assert_array_equal(same, engine.fastrp(karate, dim=8, seed=3, device="cpu"))


@pytest.mark.parametrize("seed", BAD_SEEDS, ids=repr)
def test_the_rule_refuses_with_its_message(seed):
    with pytest.raises(ValueError) as refused:
        check_seed(seed)
    assert str(refused.value) == message(seed)


@pytest.mark.parametrize(
    "command",
    [
        ("embed", "sample:karate", "-o", "unused.npy", "--seed"),
        ("ppr", "sample:karate", "-s", "0", "--seed"),
        ("ncp", "sample:karate", "--random-seed"),
    ],
    ids=lambda c: c[0],
)
@pytest.mark.parametrize("text", ["-1", str(2**32), str(2**64), "1.5", "x", "True"])
def test_every_seed_option_refuses_a_bad_seed_alike(capsys, monkeypatch, command, text):
    from app.cli import main

    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as stopped:
        main([*command, text])
    err = " ".join(capsys.readouterr().err.replace("│", " ").split())
    assert stopped.value.code == 2
    shown = int(text) if text.lstrip("-").isdigit() else text
    assert f"Invalid value for '{command[-1]}': {message(shown)}" in err
