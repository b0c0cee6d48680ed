"""The ``sim`` application object and its one error boundary.

Every command runs inside :class:`GuardedGroup.invoke`, which turns every expected
failure into one line on stderr and an exit code, so no user input ends in a
traceback:

- ``SimError`` (bad scenario, data, budget or output path), ``OSError`` (a missing
  file, no space left, permission denied, a name too long), ``UnicodeError`` and
  ``MemoryError``: ``error: <message>``, exit 2;
- SIGTERM or Ctrl-C: temporary output removed on the way out, exit 143 or 130;
- anything else is a bug: one line naming the exception, a pointer to
  ``sim --debug`` for the traceback, exit 3.
"""

from __future__ import annotations

import os
import signal
from types import FrameType
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from sim.errors import SimError

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
DEBUG_ENV = "TICKTWIN_DEBUG"


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM, so cleanup (``finally``) runs before exit."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def install_signal_handlers() -> None:
    """Turn SIGTERM into :class:`Terminated` (the default would skip every cleanup)."""
    signal.signal(signal.SIGTERM, _on_sigterm)


def _debug(ctx: typer.Context) -> bool:
    return bool(ctx.meta.get("sim.debug")) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _os_message(exc: OSError) -> str:
    """``<path>: <reason>`` for an OS error, with both paths for a failed rename."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is None:
        return reason
    if exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {reason}"
    return f"{exc.filename}: {reason}"


def _expected_failure(exc: Exception) -> str | None:
    """The one-line message for a failure caused by the input or the machine, else None."""
    if isinstance(exc, SimError):
        return str(exc)
    if isinstance(exc, OSError):
        return _os_message(exc)
    if isinstance(exc, UnicodeError):
        return f"text that is not valid UTF-8: {exc}"
    if isinstance(exc, MemoryError):
        return ("out of memory: make the run smaller (data.duration, data.max_events, "
                "data.volume) or use a machine with more memory")
    return None


class GuardedGroup(TyperGroup):
    """The root command group: one error boundary around every subcommand."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command; map failures to one-line messages and exit codes."""
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except Terminated:
            typer.echo("terminated; temporary output removed", err=True)
            raise typer.Exit(EXIT_TERMINATED) from None
        except KeyboardInterrupt:
            typer.echo("interrupted; temporary output removed", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            message = _expected_failure(exc)
            if _debug(ctx) and not isinstance(exc, SimError):
                raise
            if message is not None:
                fail(message)
            first_line = (str(exc).strip().splitlines() or [""])[0][:200]
            fail(f"internal error ({type(exc).__name__}: {first_line}); this is a bug in "
                 "ticktwin: rerun as `sim --debug ...` for the traceback and report it",
                 EXIT_INTERNAL)


app = typer.Typer(cls=GuardedGroup, help="ticktwin: deterministic trading-platform latency "
                  "simulation.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
data_app = typer.Typer(help="Generate, import, inspect and validate tick data.",
                       no_args_is_help=True)
import_app = typer.Typer(help="Convert real formats into the canonical L3 Parquet schema.",
                         no_args_is_help=True)
app.add_typer(data_app, name="data")
data_app.add_typer(import_app, name="import")


@app.callback()
def root(ctx: typer.Context,
         debug: bool = typer.Option(False, "--debug",
                                    help="Show the full traceback of an unexpected error.")
         ) -> None:
    """ticktwin: deterministic trading-platform latency simulation."""
    ctx.meta["sim.debug"] = debug


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print ``error: message`` to stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def emit(text: str) -> None:
    """Print a result line to stdout."""
    typer.echo(text)
