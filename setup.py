"""Package list for setuptools: ``sim*`` plus the data-only packages of ``sim.examples``.

Everything else is in pyproject.toml. pyproject's ``packages.find`` cannot name packages
whose folder lives outside ``sim/`` (``package-dir`` maps ``sim.examples.scenarios`` to
``scenarios/``), and an explicit list there would go stale as ``sim`` grows, so the list
is built here: every package found under ``sim/``, plus the mapped ones.

``scenarios/reference/`` (the published designs) ships as ``sim.examples.scenarios.reference``.
pyproject's ``package-data`` replaces a ``package_data`` given here, so its files are
added when ``build_py`` finalizes instead.
"""

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

BUNDLED = ["sim.examples.scenarios", "sim.examples.scenarios.reference",
           "sim.examples.data.samples", "sim.examples.data.latency"]
EXTRA_DATA = {"sim.examples.scenarios.reference": ["*.toml", "*.md"]}


class BuildPy(build_py):
    """``build_py`` that also copies the files of :data:`EXTRA_DATA`."""

    def finalize_options(self) -> None:
        """Add :data:`EXTRA_DATA` to the package data pyproject gave, then finalize."""
        for package, patterns in EXTRA_DATA.items():
            self.distribution.package_data.setdefault(package, []).extend(patterns)
        super().finalize_options()


setup(packages=[*find_packages(include=["sim", "sim.*"]), *BUNDLED], cmdclass={"build_py": BuildPy})
