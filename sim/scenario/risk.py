"""Scenario configuration of the pre-trade risk chain (``[risk]`` in a scenario file).

Every limit is optional: ``None`` (the key left out) disables its check, and
``enabled = false`` disables the whole chain. Quantities are shares; money
limits are whole currency units (``price * qty / price_scale``); prices move in
basis points (1 bp = 0.01 %). The checks themselves live in
:mod:`sim.core.pretrade`, which documents their exact boundaries.

Example::

    [risk]
    max_order_qty = 10_000
    max_notional = 1_000_000
    max_position = 50_000
    max_credit = 5_000_000
    max_orders_per_window = 100
    order_rate_window = "1s"

    [risk.collar]
    reference = "last_trade"
    max_deviation_bps = 500

    [risk.kill_switch]
    global_active = false
    accounts = ["rogue-algo"]

    [risk.circuit_breaker]
    max_move_bps = 1000
    window = "5s"
    cool_off = "30s"
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from sim.scenario.types import Count, DurationNs, Flag, FrozenModel, PositiveDurationNs


class CollarReference(StrEnum):
    """Which price the collar measures an order's limit price against."""

    LAST_TRADE = "last_trade"
    MID = "mid"


class CollarConfig(FrozenModel):
    """Price collar: a limit price too far from the reference is refused."""

    reference: CollarReference = CollarReference.LAST_TRADE
    """``"last_trade"`` (the symbol's last trade price) or ``"mid"`` (floored book mid)."""
    max_deviation_bps: Count = Field(gt=0)
    """Largest allowed ``|price - reference| / reference`` in basis points (limit inclusive)."""


class KillSwitchConfig(FrozenModel):
    """Initial kill-switch state; the switches can be flipped while the run goes on."""

    global_active: Flag = False
    """When true every order is refused."""
    accounts: tuple[str, ...] = ()
    """Accounts whose orders are refused from the start."""


class CircuitBreakerConfig(FrozenModel):
    """Per-symbol trading halt on a fast price move."""

    max_move_bps: Count = Field(gt=0)
    """A trade more than this far (bps) from the oldest trade in the window halts the symbol."""
    window: PositiveDurationNs
    """Look-back of the move: trades younger than ``window`` are compared."""
    cool_off: DurationNs
    """How long the halt lasts; then trading resumes and the window starts afresh."""


class RiskConfig(FrozenModel):
    """Pre-trade limits, checked in order; the first failure rejects.

    ``enabled``, ``max_order_qty`` and ``max_notional`` keep the meaning they
    had in the original schema, so existing scenarios load unchanged.
    """

    enabled: Flag = True
    """``False`` turns the whole chain off: nothing is ever refused."""
    max_order_qty: Count | None = Field(default=None, gt=0)
    """Fat-finger size limit in shares; ``None`` disables the check."""
    max_notional: Count | None = Field(default=None, gt=0)
    """Fat-finger notional limit in currency units (price x qty / price_scale)."""
    collar: CollarConfig | None = None
    """Price collar around the last trade or the mid; ``None`` disables it."""
    max_position: Count | None = Field(default=None, gt=0)
    """Largest absolute shares per account and symbol if the order and the open orders
    on its side all filled; ``None`` disables the check."""
    max_credit: Count | None = Field(default=None, gt=0)
    """Largest gross buying power per account in currency units: positions valued at the
    last trade (absolute) plus open buy orders plus the new buy order; ``None`` disables it."""
    max_orders_per_window: Count | None = Field(default=None, gt=0)
    """Largest number of orders one account may get through per ``order_rate_window``."""
    order_rate_window: PositiveDurationNs = 1_000_000_000
    """Sliding window of the order-rate limit (written ``"1s"``, ``"100ms"``...)."""
    kill_switch: KillSwitchConfig = Field(default_factory=KillSwitchConfig)
    """Initial kill-switch state (global and per account)."""
    circuit_breaker: CircuitBreakerConfig | None = None
    """Per-symbol trading halt on fast moves; ``None`` disables it."""
