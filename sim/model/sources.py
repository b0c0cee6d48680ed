"""The event batches a platform replays: one entry per ``[[data.sources]]`` source."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from sim.data.events import EventColumns
from sim.model.component import WiringError
from sim.scenario.schema import SourceConfig

Batches = Iterable[EventColumns] | Callable[[], Iterable[EventColumns]]
"""One source's batches, or a zero-argument function returning them (called once, at build)."""
BatchSource = Mapping[str, Batches] | Sequence[Batches] | Callable[[], Iterable[EventColumns]]
"""Batches of every source: by source name, one entry per source in scenario order, or
(single-source scenarios only) one zero-argument function."""


def batches_per_source(
    batches: BatchSource, sources: Sequence[SourceConfig]
) -> list[Iterable[EventColumns]]:
    """The batches of each source, in scenario order (functions are called here, once)."""
    return [entry() if callable(entry) else entry for entry in _entries(batches, sources)]


def _entries(batches: BatchSource, sources: Sequence[SourceConfig]) -> list[Batches]:
    if isinstance(batches, Mapping):
        missing = [source.name for source in sources if source.name not in batches]
        if missing:
            raise WiringError(f"no event batches given for sources: {', '.join(missing)}")
        return [batches[source.name] for source in sources]
    if callable(batches):
        if len(sources) != 1:
            raise WiringError(
                f"one batch function given for {len(sources)} sources; pass one per source"
            )
        return [batches]
    listed = list(batches)
    if len(listed) != len(sources):
        raise WiringError(f"{len(listed)} batch sources given for {len(sources)} sources")
    return listed
