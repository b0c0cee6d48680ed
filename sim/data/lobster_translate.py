"""Translate LOBSTER messages into canonical events, row by row (see ``sim.data.lobster``).

:class:`Translator` holds the :class:`~sim.data.lobster_shadow.ShadowBook` and
appends :class:`Event` tuples to ``Translator.events``; the caller drains them
into Parquet. The rules (aggressors, blocks, the visible window) are described
in the docstring of :mod:`sim.data.lobster` and in ``docs/lobster.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Final, NamedTuple

from sim.core.vocabulary import OrderAction
from sim.data.lobster_parse import BookRow, Level, Message
from sim.data.lobster_shadow import Resting, ShadowBook, fifo_fills
from sim.errors import DataError

SYNTHETIC_ID_BASE: Final[int] = 1 << 62
"""First synthetic order id; LOBSTER ids at or above it are rejected (they would collide)."""
IOC: Final[str] = "ioc"
"""``tif`` of the aggressors that stand for type-4 executions."""


class Event(NamedTuple):
    """One canonical event; ``source_line`` is the message line it comes from (0: seeding)."""

    ts_ns: int
    action: OrderAction
    order_id: int
    side: int
    price: int | None
    qty: int | None
    tif: str | None
    source_line: int


def _row_event(
    message: Message, action: OrderAction, order_id: int, price: int | None, qty: int | None
) -> Event:
    """An event at a message's time and line, on the message's side."""
    return Event(
        message.time_ns, action, order_id, message.direction, price, qty, None, message.line
    )


@dataclass(slots=True)
class Counts:
    """Running counters of one import (frozen into ``ImportStats`` at the end)."""

    aggressors: int = 0
    aggressor_rows: int = 0
    merged_rows: int = 0
    non_fifo_rows: int = 0
    seeded_levels: int = 0
    window_entries: int = 0
    window_exits: int = 0
    window_exit_orders: int = 0
    window_mismatches: int = 0
    unknown_id_references: int = 0
    unresolved_references: int = 0
    halts: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counters by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Translator:
    """Stateful LOBSTER-to-canonical translation for one message file.

    Args:
        path: The message file, for error messages.
        with_book: Whether an orderbook file drives seeding and the visible window.
    """

    def __init__(self, path: Path, *, with_book: bool) -> None:
        self.shadow = ShadowBook()
        self.events: list[Event] = []
        self.counts = Counts()
        self._path = path
        self._with_book = with_book
        self._next_id = SYNTHETIC_ID_BASE
        self._depth = 0

    def _synthetic_id(self) -> int:
        order_id = self._next_id
        self._next_id += 1
        return order_id

    def _new_block(
        self, out: list[Event], ts_ns: int, side: int, price: int, size: int, line: int
    ) -> Resting:
        """Add a block of unseen volume to the shadow; append its ``add`` event to ``out``."""
        block = Resting(self._synthetic_id(), side, price, size, known=False)
        self.shadow.add(block)
        out.append(Event(ts_ns, OrderAction.ADD, block.order_id, side, price, size, None, line))
        return block

    def seed(self, first: Message, row: BookRow) -> None:
        """Emit one resting block per level of the book as it stood before ``first``.

        ``row`` is the orderbook row *after* ``first``; undoing ``first`` on it gives
        the state before (a level it emptied is put back; the deepest level is then
        unknown and left out, to enter the window like any other).
        """
        self._depth = row.depth
        levels = {-1: dict(row.asks), 1: dict(row.bids)}
        side, price = first.direction, first.price
        if first.type == 1:
            levels[side][price] = levels[side].get(price, 0) - first.size
            if levels[side][price] <= 0:
                del levels[side][price]
        elif first.type in (2, 3, 4):
            levels[side][price] = levels[side].get(price, 0) + first.size
        for side in (-1, 1):
            best_first = sorted(levels[side], reverse=side == 1)[: row.depth]
            for price in best_first:
                self._new_block(self.events, first.time_ns, side, price, levels[side][price], 0)
                self.counts.seeded_levels += 1

    def process(self, message: Message, row: BookRow | None) -> None:
        """Translate one message that is not a visible execution, then reconcile the window."""
        kind = message.type
        if kind == 1:
            self._add(message)
        elif kind in (2, 3):
            self._cancel(message)
        elif kind in (5, 6):
            self.events.append(
                _row_event(message, OrderAction.TRADE, message.order_id, message.price,
                           message.size)
            )
        else:
            self.counts.halts += 1
        if row is not None:
            self.events.extend(self._reconcile(row, message.time_ns, message.line)[0])

    def _error(self, message: Message, problem: str) -> DataError:
        return DataError(f"{self._path}: line {message.line}: {problem}")

    def _add(self, message: Message) -> None:
        order_id = message.order_id
        if order_id >= SYNTHETIC_ID_BASE:
            raise self._error(
                message,
                f"order id {order_id} is in the synthetic id range "
                f"(>= 2**62) the importer reserves",
            )
        if self.shadow.known(order_id) is not None:
            raise self._error(message, f"order id {order_id} is added while still live")
        self.shadow.add(
            Resting(order_id, message.direction, message.price, message.size, known=True)
        )
        self.events.append(
            _row_event(message, OrderAction.ADD, order_id, message.price, message.size))

    def _target(self, message: Message) -> Resting | None:
        """The shadow order a cancel or execution applies to: the named order, else the block.

        Unknown ids (orders the file never added, or forgot when their level left the
        window) resolve to the block of unseen volume at the message's level.
        """
        order = self.shadow.known(message.order_id)
        if order is not None:
            if order.side != message.direction or order.price != message.price:
                raise self._error(
                    message,
                    f"order {message.order_id} rests at side "
                    f"{order.side}, price {order.price}, not side "
                    f"{message.direction}, price {message.price}",
                )
            if message.size > order.remaining:
                raise self._error(
                    message,
                    f"size {message.size} exceeds the "
                    f"{order.remaining} shares order "
                    f"{message.order_id} has left",
                )
            return order
        self.counts.unknown_id_references += 1
        block = self.shadow.block(message.direction, message.price)
        if block is None or block.remaining < message.size:
            self.counts.unresolved_references += 1
            return None
        return block

    def _cancel(self, message: Message) -> None:
        target = self._target(message)
        if target is None:
            return
        full = target.known and message.type == 3
        qty = None if full else message.size
        self.events.append(_row_event(message, OrderAction.CANCEL, target.order_id, None, qty))
        self.shadow.reduce(target, target.remaining if full else message.size)

    def executions(self, group: list[Message], rows: list[BookRow | None]) -> None:
        """Translate consecutive type-4 rows of one timestamp and direction.

        They become one IOC aggressor when a strict FIFO book would fill exactly the
        orders they name; otherwise one ``execute`` per row (see the module docs).
        """
        side = group[0].direction
        limit = max(m.price for m in group) if side == -1 else min(m.price for m in group)
        total = sum(m.size for m in group)
        queue = self.shadow.queue_snapshot(side, limit)
        named: dict[int, int] = {}
        per_row: list[list[Event]] = []
        fifo_possible = True
        for index, (message, row) in enumerate(zip(group, rows, strict=True)):
            row_events: list[Event] = []
            target = self._target(message)
            if target is None:
                fifo_possible = False
            else:
                named[target.order_id] = named.get(target.order_id, 0) + message.size
                self.shadow.reduce(target, message.size)
                row_events.append(
                    _row_event(
                        message, OrderAction.EXECUTE, target.order_id, message.price, message.size
                    )
                )
            if row is not None:
                reconciled, entered = self._reconcile(row, message.time_ns, message.line)
                if index < len(group) - 1:
                    if len(entered) != len(reconciled) or any(b.side != side for b in entered):
                        fifo_possible = False
                    queue.extend(
                        (b, b.remaining)
                        for b in entered
                        if (b.price <= limit if side == -1 else b.price >= limit)
                    )
                row_events.extend(reconciled)
            per_row.append(row_events)
        if not self._with_book or (fifo_possible and fifo_fills(queue, total) == named):
            self._emit_aggressor(group, per_row, limit, total)
        else:
            self.counts.non_fifo_rows += len(group)
            for row_events in per_row:
                self.events.extend(row_events)

    def _emit_aggressor(
        self, group: list[Message], per_row: list[list[Event]], limit: int, total: int
    ) -> None:
        """Emit window entries seen inside the group, the aggressor, then the last row's rest."""
        last = group[-1]
        for row_events in per_row[:-1]:
            self.events.extend(
                e._replace(source_line=last.line)
                for e in row_events
                if e.action is not OrderAction.EXECUTE
            )
        aggressor_id = self._synthetic_id()
        self.events.append(
            Event(
                last.time_ns,
                OrderAction.ADD,
                aggressor_id,
                -last.direction,
                limit,
                total,
                IOC,
                last.line,
            )
        )
        self.events.extend(e for e in per_row[-1] if e.action is not OrderAction.EXECUTE)
        self.counts.aggressors += 1
        self.counts.aggressor_rows += len(group)
        self.counts.merged_rows += len(group) - 1

    def _reconcile(self, row: BookRow, ts_ns: int, line: int) -> tuple[list[Event], list[Resting]]:
        """Bring the shadow's window in line with an orderbook row.

        Levels pushed beyond depth N are forgotten (cancelled); levels entering from
        beyond depth N are added as blocks with the file's size. Any other difference
        is counted as a mismatch and left alone.
        """
        events: list[Event] = []
        entered: list[Resting] = []
        for side, levels in ((-1, row.asks), (1, row.bids)):
            self._exits(side, levels, ts_ns, line, events)
            self._entries(side, levels, ts_ns, line, events, entered)
        return events, entered

    def _exits(
        self, side: int, levels: tuple[Level, ...], ts_ns: int, line: int, events: list[Event]
    ) -> None:
        file_prices = {price for price, _ in levels}
        worst = levels[-1][0] if len(levels) == self._depth else None
        for price in self.shadow.prices(side):
            if price in file_prices:
                continue
            if worst is None or (price < worst if side == -1 else price > worst):
                self.counts.window_mismatches += 1  # inside the window yet absent from the file
                continue
            dropped = self.shadow.drop_level(side, price)
            events.extend(
                Event(ts_ns, OrderAction.CANCEL, order.order_id, side, None, None, None, line)
                for order in dropped
            )
            self.counts.window_exits += 1
            self.counts.window_exit_orders += len(dropped)

    def _entries(
        self,
        side: int,
        levels: tuple[Level, ...],
        ts_ns: int,
        line: int,
        events: list[Event],
        entered: list[Resting],
    ) -> None:
        sizes = self.shadow.sizes(side)
        inside = self.shadow.prices(side)
        worst = inside[-1] if inside else None
        for price, size in levels:
            have = sizes.get(price)
            if have is not None:
                if have != size:
                    self.counts.window_mismatches += 1
                continue
            if worst is not None and (price < worst if side == -1 else price > worst):
                self.counts.window_mismatches += 1
                continue
            entered.append(self._new_block(events, ts_ns, side, price, size, line))
            self.counts.window_entries += 1
