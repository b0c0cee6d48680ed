"""The bundled scenarios and sample data, shipped inside the package.

The repository keeps them at ``scenarios/`` and ``data/samples/`` (and the measured
latency file at ``data/latency/``); the build maps those folders to
``sim.examples.scenarios``, ``sim.examples.data.samples`` and
``sim.examples.data.latency`` (``[tool.setuptools] package-dir`` in pyproject.toml),
so an installed wheel keeps the relation the scenario files rely on
(``../data/samples/...``). :func:`scenarios_dir` finds them either way: in an
installed package, or in the source tree this module sits in.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_SOURCE_TREE = Path(__file__).resolve().parents[2]
"""The repository root when running from a checkout (``sim/examples/`` -> ``../..``)."""


def scenarios_dir() -> Path:
    """The folder of the bundled scenario files (installed package first, then the checkout)."""
    try:
        folder = Path(str(resources.files("sim.examples.scenarios")))
    except ModuleNotFoundError:
        folder = _SOURCE_TREE / "scenarios"
    return folder


def bundled_scenarios() -> dict[str, Path]:
    """Every bundled scenario by name (its file name without ``.toml``), sorted by name."""
    folder = scenarios_dir()
    if not folder.is_dir():
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.toml")) if path.is_file()}
