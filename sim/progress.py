"""Progress bars for long commands: a rich bar with an ETA on a terminal, nothing elsewhere.

The library reports progress through plain callbacks (``advance(n)``); only the CLI
makes a bar, and only when stderr is a terminal, so tests, pipes and CI see nothing.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@dataclass(slots=True)
class Bar:
    """A handle on one bar: ``advance`` by a count of work done, ``total`` once it is known."""

    progress: Progress | None = None
    task: TaskID | None = None

    def advance(self, count: int) -> None:
        """Record ``count`` more units done (nothing when silent)."""
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, count)

    def total(self, total: int) -> None:
        """Set the amount of work (the ETA needs it)."""
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, total=total)


def on_terminal() -> bool:
    """Whether a bar may be drawn: stderr (where it goes) is a terminal."""
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_bar(description: str, total: int | None, *, enabled: bool | None = None
                 ) -> Iterator[Bar]:
    """Yield a :class:`Bar` drawing ``description`` with its ETA while the block runs.

    Silent (the bar does nothing) unless ``enabled``, which defaults to
    :func:`on_terminal`. The bar is removed when the block ends.
    """
    if not (on_terminal() if enabled is None else enabled):
        yield Bar()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield Bar(progress, progress.add_task(description, total=total))
