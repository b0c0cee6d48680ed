"""Package list for setuptools: ``sim*`` plus the data-only packages of ``sim.examples``.

Everything else is in pyproject.toml. pyproject's ``packages.find`` cannot name packages
whose folder lives outside ``sim/`` (``package-dir`` maps ``sim.examples.scenarios`` to
``scenarios/``), and an explicit list there would go stale as ``sim`` grows, so the list
is built here: every package found under ``sim/``, plus the mapped ones.
"""

from setuptools import find_packages, setup

BUNDLED = ["sim.examples.scenarios", "sim.examples.data.samples", "sim.examples.data.latency"]

setup(packages=[*find_packages(include=["sim", "sim.*"]), *BUNDLED])
