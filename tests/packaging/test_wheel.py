"""A plain wheel carries everything ``import engine`` needs, the sample graphs included."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        if "Could not find a version" in result.stderr or "No matching distribution" in (
            result.stderr
        ):
            pytest.skip(f"no package index to build with: {result.stderr.strip()[-200:]}")
        pytest.fail(result.stderr)
    (path,) = out.glob("graph_workbench-*.whl")
    return path


def test_the_wheel_carries_the_sample_stores(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for sample in ("karate", "lesmis", "florentine", "planted"):
        assert f"sample_graphs/{sample}.gwb/meta.json" in names
        assert f"sample_graphs/{sample}.gwb/indptr.npy" in names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text


def test_samples_open_from_the_unpacked_wheel(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = "import engine; g = engine.sample('lesmis'); print(g.n_nodes, engine.samples().shape)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONSAFEPATH": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "77"


def test_the_wheel_carries_the_dashboard_and_its_icon(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    dashboard = ROOT / "app" / "dashboard"
    shipped = [*dashboard.glob("*.py"), *dashboard.glob("pages/*.py"), *dashboard.glob("static/*")]
    for path in shipped:
        assert path.relative_to(ROOT).as_posix() in names
    assert "app/dashboard/static/icon.png" in names
