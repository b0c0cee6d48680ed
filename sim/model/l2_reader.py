"""L2 files in a run: their rows as :class:`L2Columns`, and their recorded feed delays.

An L2 file (``ticktwin.book = "l2"``, docs/data.md) holds ``level`` rows (the new total
at a price) and ``trade`` prints. :func:`iter_l2_batches` hands them to the feed batch
by batch, already validated by :func:`sim.data.reader.inspect_source`, with ``action``
as :class:`~sim.core.l2_book.L2Action` codes and the optional ``ts_recv`` column (the
local receive time) beside ``ts``. :func:`recorded_delays` is ``ts_recv - ts`` per row,
the latency ``latency = "from_data"`` replays (:mod:`sim.model.strategy_wiring`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from sim.core.l2_book import L2Action
from sim.data.events import EventColumns
from sim.data.reader import SourceInfo, open_parquet, read_batches
from sim.data.schema import BOOK_L2
from sim.errors import DataError, ScenarioError
from sim.scenario.faults import FailoverFault
from sim.scenario.schema import Route, Scenario

TS_RECV = "ts_recv"
_COLUMNS = ["ts", "symbol", "action", "side", "price", "qty"]
_CODES = {action.label: action.value for action in L2Action}


@dataclass(frozen=True, slots=True)
class L2Columns(EventColumns):
    """A batch of L2 rows: ``action`` holds ``L2Action`` codes; ``order_id`` is unused."""

    ts_recv_ns: npt.NDArray[np.int64] | None = None
    """Local receive time per row, or None when the file has no ``ts_recv`` column."""

    def head(self, rows: int) -> L2Columns:
        """The first ``rows`` rows of this batch."""
        if rows >= len(self):
            return self
        return L2Columns(
            self.ts_ns[:rows], self.symbol[:rows], self.action[:rows], self.order_id[:rows],
            self.side[:rows], self.price[:rows], self.qty[:rows], self.symbols,
            ts_recv_ns=None if self.ts_recv_ns is None else self.ts_recv_ns[:rows])


def has_ts_recv(path: Path) -> bool:
    """Whether the file has a ``ts_recv`` column."""
    return TS_RECV in open_parquet(path).schema_arrow.names


def iter_l2_batches(info: SourceInfo, *, symbols: tuple[str, ...] = (),
                    start_ns: int | None = None, end_ns: int | None = None
                    ) -> Iterator[L2Columns]:
    """Yield an L2 file's rows as ``L2Columns``, filtered by symbol and ``[start, end)``.

    Raises:
        DataError: a corrupt page, or an action or symbol validation did not see.
    """
    parquet = open_parquet(info.path)
    codes = {name: code for code, name in enumerate(info.symbols)}
    wanted = np.array([codes[s] for s in symbols if s in codes], dtype=np.int32)
    recv = TS_RECV in parquet.schema_arrow.names
    base = 0
    for batch in read_batches(info.path, parquet, _COLUMNS + ([TS_RECV] if recv else [])):
        first, base = base, base + batch.num_rows
        ts = batch.column("ts").cast(pa.int64()).to_numpy()
        names = batch.column("symbol").cast(pa.string()).to_numpy(zero_copy_only=False)
        symbol = np.fromiter((codes.get(s, -1) for s in names), np.int32, len(names))
        labels = batch.column("action").cast(pa.string()).to_numpy(zero_copy_only=False)
        action = np.fromiter((_CODES.get(a, -1) for a in labels), np.int8, len(labels))
        bad = (symbol < 0) | (action < 0)
        if bad.any():
            row = first + int(np.flatnonzero(bad)[0])
            raise DataError(f"{info.path}: row {row}: symbol or action not seen when the file "
                            "was validated (it changed during the run)")
        keep = np.ones(len(ts), dtype=bool)
        if symbols:
            keep &= np.isin(symbol, wanted)
        if start_ns is not None:
            keep &= ts >= start_ns
        if end_ns is not None:
            keep &= ts < end_ns
        if not keep.any():
            continue
        received = batch.column(TS_RECV).cast(pa.int64()).to_numpy()[keep] if recv else None
        yield L2Columns(
            ts_ns=ts[keep], symbol=symbol[keep], action=action[keep],
            order_id=np.zeros(int(keep.sum()), np.int64),
            side=batch.column("side").cast(pa.int8()).to_numpy()[keep],
            price=batch.column("price").cast(pa.int64()).to_numpy()[keep],
            qty=batch.column("qty").cast(pa.int64()).to_numpy()[keep],
            symbols=info.symbols, ts_recv_ns=received)


def recorded_delays(path: Path, offset_ns: int, where: str) -> npt.NDArray[np.int64]:
    """``ts_recv - ts + offset_ns`` of every row of ``path``, sorted (the from_data latency).

    Raises:
        ScenarioError: the file has no ``ts_recv``, or a delay is negative (naming the row
            and the offset that would make every delay non-negative); ``where`` names the key.
    """
    delays, first_negative = _delays(path, offset_ns)
    if delays is None:
        raise ScenarioError(
            f'{where}: latency = "from_data" needs the local receive time, and {path} has no '
            f"{TS_RECV} column; give the link a latency distribution instead")
    if first_negative is not None:
        row, value = first_negative
        least = offset_ns - int(delays[0])
        raise ScenarioError(
            f"{where}: {path} row {row}: ts_recv - ts + offset is {value} ns, a negative "
            f"delay (the receiving clock runs behind the venue's); set the link's offset to at "
            f'least "{least}ns"')
    return delays


@lru_cache(maxsize=8)
def _delays(path: Path, offset_ns: int
            ) -> tuple[npt.NDArray[np.int64] | None, tuple[int, int] | None]:
    parquet = open_parquet(path)
    if TS_RECV not in parquet.schema_arrow.names:
        return None, None
    parts = []
    negative: tuple[int, int] | None = None
    rows = 0
    for batch in read_batches(path, parquet, ["ts", TS_RECV]):
        ts = batch.column("ts").cast(pa.int64()).to_numpy()
        received = batch.column(TS_RECV).cast(pa.int64()).to_numpy()
        delay = received - ts + offset_ns
        if negative is None and (delay < 0).any():
            index = int(np.flatnonzero(delay < 0)[0])
            negative = (rows + index, int(delay[index]))
        parts.append(delay)
        rows += batch.num_rows
    delays = np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
    return delays, negative


def check_l2_scenario(scenario: Scenario, infos: Sequence[SourceInfo]) -> None:
    """Refuse what L2 sources and ``from_data`` links cannot do, before the run (one line).

    Raises:
        ScenarioError: an L2 source not routed ``direct``, with a volume multiplier, the fast
            engine or a failover, or sharing a symbol with another source; a ``from_data``
            feed link over a source without ``ts_recv`` or with a negative delay.
    """
    l2 = [(source, info) for source, info in zip(scenario.data.sources, infos, strict=True)
          if info.book == BOOK_L2]
    for source, info in l2:
        where = f"data.sources[{source.name}]: {info.path} holds L2 price levels"
        if source.route is not Route.DIRECT:
            raise ScenarioError(f'{where}; replay it at the matching engine: route = "direct"')
        problem = _l2_refusal(scenario)
        if problem:
            raise ScenarioError(f"{where}; {problem}")
        others = {symbol for other in infos if other is not info for symbol in other.symbols}
        shared = sorted(set(info.symbols) & others)
        if shared:
            raise ScenarioError(f"{where}; symbol {shared[0]!r} is also in another source (an "
                                "L2 book takes its history from one source)")
    for index, strategy in enumerate(scenario.strategies):
        recorded = strategy.feed.from_data
        if recorded is None:
            continue
        where = f"strategies[{index}].feed.latency"
        if recorded.sample == "per_message" and len(l2) < len(infos):
            raise ScenarioError(f'{where}: "from_data" per message replays L2 sources only; use '
                                '{ kind = "from_data", sample = "empirical" } for L3 files')
        for info in infos:
            recorded_delays(info.path, recorded.offset, where)


def _l2_refusal(scenario: Scenario) -> str:
    """Why a scenario cannot replay an L2 source ('' when it can)."""
    if scenario.data.volume.multiplier != 1:
        return "data.volume cannot multiply it (no orders to copy or compress)"
    if scenario.engine == "fast":
        return "the fast engine does not replay L2 books; leave engine out (SimPy)"
    if any(isinstance(fault, FailoverFault) for fault in scenario.faults):
        return "a failover cannot rebuild L2 books yet (queue positions are not journaled)"
    return ""
