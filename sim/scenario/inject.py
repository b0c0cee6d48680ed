"""Injected orders (``[[inject]]`` in a scenario file): fault-style orders at fixed times.

Each entry is one order sent through the full client path (client link,
gateway, risk, matching) at ``at`` after the start of the replayed data
window, recorded in ``orders.parquet`` with source ``"inject"``. It answers
"what does this one order do to the platform and the book?" (a fat finger).

Example::

    [[inject]]
    at = "2s"                # offset from the data window's start
    account = "fat-finger"
    symbol = "SYMA"
    side = "buy"
    qty = 5_000_000
    type = "limit"           # or "market" (no price)
    price_offset_bps = 300   # or price = 1_003_000 (in 1/price_scale units)

A limit order gives exactly one of ``price`` (absolute, in ``1/price_scale``
units) or ``price_offset_bps`` (relative to the symbol's book mid when the order
is sent, else the best price on either side; floored to an integer). Symbols and
times are checked against the data when the run starts
(:func:`check_injections`); errors name ``inject[i].<key>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Final

from pydantic import Field, model_validator

from sim.errors import ScenarioError
from sim.scenario.types import DurationNs, FrozenModel

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
    qty: int = Field(gt=0)
    type: InjectedType = InjectedType.LIMIT
    price: int | None = Field(default=None, gt=0)
    """Absolute limit price in ``1/price_scale`` units."""
    price_offset_bps: int | None = Field(default=None, gt=-10_000)
    """Limit price relative to the mid at send time, in basis points (positive: higher)."""

    @model_validator(mode="after")
    def _one_price(self) -> InjectedOrderConfig:
        given = (self.price is not None) + (self.price_offset_bps is not None)
        if self.type is InjectedType.MARKET and given:
            raise ValueError("a market order takes neither price nor price_offset_bps")
        if self.type is InjectedType.LIMIT and given != 1:
            raise ValueError("a limit order needs exactly one of price or price_offset_bps")
        return self


def check_injections(
    orders: Sequence[InjectedOrderConfig],
    symbols: Iterable[str],
    window_ns: int | None,
) -> None:
    """Raise :class:`ScenarioError` naming ``inject[i].symbol`` or ``inject[i].at`` on a bad order.

    Args:
        orders: The scenario's injected orders.
        symbols: Symbols the replayed data holds (after the scenario's symbol filter).
        window_ns: Length of the data window (``None``: unknown, only ``at >= 0`` holds).
    """
    known = set(symbols)
    for index, order in enumerate(orders):
        if order.symbol not in known:
            raise ScenarioError(
                f"inject[{index}].symbol: {order.symbol!r} is not in the replayed data "
                f"(symbols: {', '.join(sorted(known)) or 'none'}); use one of those"
            )
        if window_ns is not None and order.at > window_ns:
            raise ScenarioError(
                f"inject[{index}].at: {order.at} ns is after the end of the data window "
                f"({window_ns} ns after its start); inject inside the window"
            )
