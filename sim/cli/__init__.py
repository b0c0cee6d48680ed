"""The ``sim`` command line: a thin typer layer over the library.

Library code raises ``SimError`` subclasses; only this package turns them into
messages on stderr and exit codes (see ``sim.cli.base``): 0 success, 1 a budget
or check failed, 2 bad input (scenario, data, arguments, output path), 3 an
internal error (a bug), 130/143 interrupted or terminated.

One module per command family: ``run`` (run, scenarios), ``data`` (data gen,
validate, inspect, import), ``check`` (check, diff, report), ``sweep``; each registers its
commands on the ``app`` of ``base``.
"""

from __future__ import annotations

from sim.cli import capacity, check, data, run, sweep
from sim.cli.base import EXIT_INPUT, app, fail, install_signal_handlers

__all__ = ["EXIT_INPUT", "app", "capacity", "check", "data", "fail", "main", "run", "sweep"]


def main() -> None:
    """Console-script entry point."""
    install_signal_handlers()
    app(prog_name="sim")
