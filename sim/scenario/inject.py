"""Injected orders (``[[inject]]`` in a scenario file): fault-style orders at fixed times.

Each entry is one order, or with ``count`` a train of identical orders, sent
through the full client path (client link, gateway, risk, matching) at ``at``
after the start of the replayed data window, recorded in ``orders.parquet``
with source ``"inject"``. It answers "what does this order do to the platform
and the book?" (a fat finger).

Example::

    [[inject]]
    at = "2s"                # offset from the data window's start
    account = "fat-finger"
    symbol = "SYMA"
    side = "buy"
    qty = 5_000_000
    type = "limit"           # or "market" (no price)
    price_offset_bps = 300   # or price = 1_003_000 (in 1/price_scale units)
    count = 5                # optional: 5 orders, at 2s, 2.01s, ..., 2.04s
    every = "10ms"           # required when count > 1
    qty_step = 1_000_000     # optional: order k has qty + k * qty_step

Every consumer of injected orders (the recorder's capacity, the injector, the
run-start checks, the ``injected`` summary) works on :func:`expand_injections`,
one :class:`InjectedOrder` per order sent. Keys at their defaults (``count = 1``,
no ``every``, ``qty_step = 0``) are left out of dumps, so a scenario without them
resolves, and digests, as before they existed.

A limit order gives exactly one of ``price`` (absolute, in ``1/price_scale``
units) or ``price_offset_bps`` (relative to the symbol's book mid when the order
is sent, else the best price on either side; floored to an integer). Symbols and
times are checked against the data when the run starts
(:func:`check_injections`); errors name ``inject[i].<key>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.errors import ScenarioError
from sim.scenario.types import (
    Count,
    DurationNs,
    FrozenModel,
    PositiveDurationNs,
    default_omitted,
)

INJECT_SOURCE: Final[str] = "inject"
"""Source name of injected orders in the orders table."""


class InjectedSide(StrEnum):
    """Side of an injected order."""

    BUY = "buy"
    SELL = "sell"


class InjectedType(StrEnum):
    """Order type of an injected order."""

    LIMIT = "limit"
    MARKET = "market"


class InjectedOrderConfig(FrozenModel):
    """One injected order; see the module docstring for the keys."""

    at: DurationNs
    """When the client sends it, after the start of the data window."""
    account: str = Field(default="fat-finger", min_length=1)
    """Account the order is sent for (risk limits and rate limits apply per account)."""
    symbol: str = Field(min_length=1)
    side: InjectedSide
    qty: Count = Field(gt=0)
    type: InjectedType = InjectedType.LIMIT
    price: Count | None = Field(default=None, gt=0)
    """Absolute limit price in ``1/price_scale`` units."""
    price_offset_bps: Count | None = Field(default=None, gt=-10_000)
    """Limit price relative to the mid at send time, in basis points (positive: higher)."""
    count: Count = default_omitted(1, ge=1)
    """Number of orders this entry sends: at ``at``, ``at + every``, ..."""
    every: PositiveDurationNs | None = default_omitted(None)
    """Time between two orders of the entry; required when ``count > 1``."""
    qty_step: Count = default_omitted(0)
    """Added to the quantity of each further order: order ``k`` has ``qty + k * qty_step``."""

    @field_validator("every")
    @classmethod
    def _every_with_count(cls, every: int | None, info: ValidationInfo) -> int | None:
        count = info.data.get("count", 1)
        if count > 1 and every is None:
            raise ValueError(
                f"count = {count} needs every, the time between two of its orders "
                '(e.g. every = "10ms")'
            )
        return every

    @field_validator("qty_step")
    @classmethod
    def _last_qty_positive(cls, qty_step: int, info: ValidationInfo) -> int:
        qty, count = info.data.get("qty"), info.data.get("count")
        if qty is not None and count is not None and qty + (count - 1) * qty_step <= 0:
            raise ValueError(
                f"the last of {count} orders would have qty {qty + (count - 1) * qty_step}; "
                "every order needs qty > 0, so raise qty or qty_step"
            )
        return qty_step

    @model_validator(mode="after")
    def _one_price(self) -> InjectedOrderConfig:
        given = (self.price is not None) + (self.price_offset_bps is not None)
        if self.type is InjectedType.MARKET and given:
            raise ValueError("a market order takes neither price nor price_offset_bps")
        if self.type is InjectedType.LIMIT and given != 1:
            raise ValueError("a limit order needs exactly one of price or price_offset_bps")
        return self



@dataclass(frozen=True, slots=True)
class InjectedOrder:
    """One order an ``[[inject]]`` entry sends (an entry with ``count = n`` sends n)."""

    index: int
    """Position of the entry in ``[[inject]]`` (the ``i`` of ``inject[i]``)."""
    repeat: int
    """Which of the entry's ``count`` orders this is, from 0."""
    at: int
    """Send time after the start of the data window: ``at + repeat * every``."""
    qty: int
    """``qty + repeat * qty_step``."""
    config: InjectedOrderConfig
    """The entry (symbol, side, account, type and price are shared by its orders)."""


def expand_injections(entries: Sequence[InjectedOrderConfig]) -> list[InjectedOrder]:
    """Every order the entries send, entry by entry, each entry's orders in time order."""
    return [
        InjectedOrder(
            index=index,
            repeat=repeat,
            at=entry.at + repeat * (entry.every or 0),
            qty=entry.qty + repeat * entry.qty_step,
            config=entry,
        )
        for index, entry in enumerate(entries)
        for repeat in range(entry.count)
    ]


def check_injections(
    orders: Sequence[InjectedOrderConfig],
    symbols: Iterable[str],
    window_ns: int | None,
) -> None:
    """Raise :class:`ScenarioError` naming ``inject[i].<key>`` on an order that cannot be sent.

    Every order of an entry must fall inside the window: a first order after it names
    ``inject[i].at``, a later one (so the last of a ``count`` train) ``inject[i].count``.

    Args:
        orders: The scenario's injected orders (``[[inject]]`` entries).
        symbols: Symbols the replayed data holds (after the scenario's symbol filter).
        window_ns: Length of the data window (``None``: unknown, only ``at >= 0`` holds).
    """
    known = set(symbols)
    for order in expand_injections(orders):
        index, entry = order.index, order.config
        if entry.symbol not in known:
            raise ScenarioError(
                f"inject[{index}].symbol: {entry.symbol!r} is not in the replayed data "
                f"(symbols: {', '.join(sorted(known)) or 'none'}); use one of those"
            )
        if window_ns is None or order.at <= window_ns:
            continue
        if order.repeat == 0:
            raise ScenarioError(
                f"inject[{index}].at: {entry.at} ns is after the end of the data window "
                f"({window_ns} ns after its start); inject inside the window"
            )
        fit = (window_ns - entry.at) // (entry.every or 1) + 1
        raise ScenarioError(
            f"inject[{index}].count: order {order.repeat + 1} of {entry.count} "
            f"(at + {order.repeat} * every = {order.at} ns) is after the end of the data "
            f"window ({window_ns} ns after its start); at most {fit} orders fit, so lower "
            "count or every"
        )
