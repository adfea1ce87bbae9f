"""engine.ppr's input checks and device switch."""

import pytest

import engine


@pytest.mark.parametrize(
    ("seeds", "kwargs", "error", "message"),
    [
        ("nobody", {}, KeyError, "node 'nobody' not found"),
        (0, {"alpha": 1.0}, ValueError, r"alpha must be in \(0, 1\); got 1.0"),
        (0, {"alpha": 0}, ValueError, r"alpha must be in \(0, 1\)"),
        (0, {"eps": 0}, ValueError, "eps must be > 0"),
        (0, {"eps": -1, "method": "walks"}, ValueError, "eps must be > 0"),
        ({0: -1.0, 1: 2.0}, {}, ValueError, "seed weights must be finite and >= 0"),
        ({0: 0.0}, {}, ValueError, "must not all be zero"),
        ([], {}, ValueError, "at least one node"),
        (0, {"method": "magic"}, ValueError, "method must be one of 'exact'"),
        (0, {"delta": 2.0}, ValueError, r"delta must be in \(0, 1\)"),
    ],
)
def test_bad_input(seeds, kwargs, error, message):
    with pytest.raises(error, match=message):
        engine.ppr(engine.sample("karate"), seeds, **{"device": "cpu", **kwargs})


def test_top_nodes_refuses_a_bad_k():
    g = engine.sample("karate")
    with pytest.raises(ValueError, match="top_k must be an integer >= 1"):
        engine.top_nodes(g, engine.ppr(g, 0, device="cpu"), 0)


def test_gpu_without_a_gpu():
    if engine.gpu_status()[0]:
        pytest.skip("a GPU is present")
    with pytest.raises(engine.DeviceUnavailableError, match="device='gpu' asked for"):
        engine.ppr(engine.sample("karate"), 0, method="walks", device="gpu")
