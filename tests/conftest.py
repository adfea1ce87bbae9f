import os

import pytest

from tests.graphs import TINY_GRAPHS

SHARED_DATASETS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets")


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` skip, saying so, where CuPy finds no usable GPU (as in CI)."""
    import engine

    available, why = engine.gpu_status()
    if available:
        return
    skip = pytest.mark.skip(reason=f"no GPU: {why}")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own store cache, so none sees another's converted files."""
    monkeypatch.setenv("GWB_CACHE_DIR", str(tmp_path_factory.mktemp("gwb-cache")))


@pytest.fixture(params=sorted(TINY_GRAPHS))
def tiny(request):
    return TINY_GRAPHS[request.param]


def shared_dataset(*parts: str) -> str:
    """Path of a file in ../shared/datasets, skipping the test when it is absent."""
    path = os.path.join(SHARED_DATASETS, *parts)
    if not os.path.exists(path):
        pytest.skip(f"shared dataset {os.path.join(*parts)} not available")
    return path
