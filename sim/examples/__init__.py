"""The bundled scenarios and sample data, shipped inside the package.

The repository keeps them at ``scenarios/`` and ``data/samples/`` (and the measured
latency file at ``data/latency/``); the build maps those folders to
``sim.examples.scenarios``, ``sim.examples.data.samples`` and
``sim.examples.data.latency`` (``[tool.setuptools] package-dir`` in pyproject.toml),
so an installed wheel keeps the relation the scenario files rely on
(``../data/samples/...``). :func:`scenarios_dir` finds them either way: in an
installed package, or in the source tree this module sits in (an editable install).
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
_SOURCE_TREE = _HERE.parents[1]
"""The repository root when running from a checkout (``sim/examples/`` -> ``../..``)."""


def scenarios_dir() -> Path:
    """The folder of the bundled scenario files: installed beside this module, else the checkout.

    A plain path rather than :mod:`importlib.resources`: the scenario files reach their
    data by relative path, so they must be real files, and the data-only packages have
    no ``__init__`` (``files()`` would hand back a namespace ``MultiplexedPath``).
    """
    installed = _HERE / "scenarios"
    return installed if installed.is_dir() else _SOURCE_TREE / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Every bundled scenario by name (its file name without ``.toml``), sorted by name."""
    folder = scenarios_dir()
    if not folder.is_dir():
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.toml")) if path.is_file()}
