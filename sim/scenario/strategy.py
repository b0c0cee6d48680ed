"""Strategies in a scenario (``[[strategies]]``): which class runs, with what latency.

Each entry names a :class:`sim.strategy.Strategy` subclass by import path and
gives it parameters, an account, the symbols it follows and the latency of every
hop between it and the venue. Example::

    [[strategies]]
    name = "mm"                                   # components: strategy.mm
    path = "sim.strategy.examples:MarketMaker"    # or "my_strategies/mm.py:MarketMaker"
    params = { spread_ticks = 2, size = 100 }     # keyword arguments of its __init__
    symbols = ["AAPL"]                            # default: every symbol
    compute = "5us"                               # callback -> actions leave
    feed = { latency = { kind = "constant", value = "200us" } }   # or latency = "from_data"
    entry = { latency = { kind = "constant", value = "1ms" } }
    queue_model = { kind = "prob_power", power = 3 }   # its passive orders on L2 books
    [strategies.entry_by_action.cancel]           # a cancel travels faster
    latency = { kind = "constant", value = "500us" }

Keys at their defaults are left out of dumps, so the resolved scenario stays
small. Classes are imported when the run is built (:mod:`sim.strategy.loading`),
not here: a scenario validates without the strategy's code installed. Names
across entries, data sources and ``inject`` are checked by ``Scenario``
(:func:`check_strategy_names`), so those errors read ``strategies[i].name``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails

from sim.scenario.inject import INJECT_SOURCE
from sim.scenario.link import FeedLinkConfig, LinkConfig
from sim.scenario.types import Count, DurationNs, FrozenModel, TomlInt, default_omitted

__all__ = ["ActionKind", "EntryLinks", "QueueModelConfig", "StrategyConfig", "StrategyRoute",
           "check_strategy_names"]

ActionKind = Literal["submit", "modify", "cancel"]
"""What a strategy sends to the venue; each kind may have its own entry link."""

StrategyRoute = Literal["direct", "platform"]
"""``direct``: entry links reach the matching stage; ``platform``: through gateway and risk."""

RESERVED_NAMES = frozenset({INJECT_SOURCE})
"""Names a strategy may not take (``inject`` is the source of ``[[inject]]`` orders)."""


class EntryLinks(FrozenModel):
    """Entry latency per action kind; a missing one uses the strategy's ``entry`` link."""

    submit: LinkConfig | None = default_omitted(None)
    modify: LinkConfig | None = default_omitted(None)
    cancel: LinkConfig | None = default_omitted(None)


def _plain(value: Any) -> Any:
    """``value`` with every :class:`TomlInt` made a plain ``int`` (strategies get plain data)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, TomlInt):
        return int(value)
    return value


_ZERO_LINK = LinkConfig()
"""A zero-latency FIFO link: the default of every strategy hop."""


class QueueModelConfig(FrozenModel):
    """How its passive orders on an L2 book advance (:mod:`sim.core.queue_models`).

    ``risk_averse``: only trades at the price; ``prob_power``: cancellations too, with
    probability ``f(behind) / (f(behind) + f(ahead))`` of being behind, ``f(x) = x**power``;
    ``prob_log``: the same with ``f(x) = log(1 + x)``. ``queue_model = "prob_log"`` is short
    for ``{ kind = "prob_log" }``.
    """

    kind: Literal["risk_averse", "prob_power", "prob_log"] = "risk_averse"
    power: float = default_omitted(3.0, gt=0, le=100)
    """``n`` of ``prob_power`` (other kinds refuse it)."""

    @model_validator(mode="before")
    @classmethod
    def _bare_kind(cls, raw: Any) -> Any:
        return {"kind": raw} if isinstance(raw, str) else raw

    @model_validator(mode="after")
    def _power_only_for_power(self) -> QueueModelConfig:
        if self.kind != "prob_power" and self.power != 3.0:
            raise ValueError(f"power is a parameter of prob_power, not of {self.kind}")
        return self


class StrategyConfig(FrozenModel):
    """One strategy: its class, parameters, account, symbols and latencies."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    """Its components are named ``strategy.<name>``."""
    path: str
    """``"package.module:ClassName"``, or ``"file.py:ClassName"`` relative to the scenario's
    folder (or absolute)."""
    params: dict[str, Any] = default_omitted({})
    """Passed to the class as keyword arguments."""
    account: str | None = default_omitted(None, min_length=1)
    """Account of its orders (risk limits apply per account); ``None``: the strategy's name."""
    symbols: list[str] | None = default_omitted(None)
    """Book updates and trades of these symbols only; ``None``: every symbol."""
    compute: DurationNs = default_omitted(0)
    """Time from a callback to its actions leaving the strategy."""
    feed: FeedLinkConfig = default_omitted(FeedLinkConfig())
    """Market data, venue -> strategy (``latency = "from_data"``: the delays the data
    recorded, :class:`~sim.scenario.link.RecordedLatency`)."""
    entry: LinkConfig = default_omitted(_ZERO_LINK)
    """Actions, strategy -> venue (every kind without its own link in ``entry_by_action``)."""
    entry_by_action: EntryLinks = default_omitted(EntryLinks())
    """Per-kind entry links (``[strategies.entry_by_action.cancel]``)."""
    response: LinkConfig = default_omitted(_ZERO_LINK)
    """Execution reports, venue -> strategy."""
    maker_fee: Count = default_omitted(0, ge=-(2**31), lt=2**31)
    """Fee per share of a passive fill, in price units (negative: a rebate)."""
    taker_fee: Count = default_omitted(0, ge=-(2**31), lt=2**31)
    """Fee per share of an aggressive fill, in price units (negative: a rebate)."""
    max_orders: Count = default_omitted(100_000, gt=0)
    """Most orders (adds, cancels, modifies) it may send in one run; room for them is set
    aside before the run (about 200 bytes each)."""
    queue_model: QueueModelConfig = default_omitted(QueueModelConfig())
    """Queue position of its passive orders on L2 books (L3 books need none: exact)."""
    route: StrategyRoute = default_omitted("direct")
    """``direct``: the entry links reach the matching stage; ``platform``: through the
    gateway and risk stages."""

    @field_validator("params")
    @classmethod
    def _plain_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        plain: dict[str, Any] = _plain(params)
        return plain

    @field_validator("symbols")
    @classmethod
    def _some_symbols(cls, symbols: list[str] | None) -> list[str] | None:
        if symbols is not None and not symbols:
            raise ValueError("an empty list follows no symbol; name at least one, or leave "
                             "symbols out to follow every symbol")
        if symbols is not None and any(not symbol for symbol in symbols):
            raise ValueError("a symbol cannot be empty")
        return symbols

    def entry_link(self, kind: ActionKind) -> LinkConfig:
        """The link an action of ``kind`` travels to the venue: its own, else ``entry``."""
        own: LinkConfig | None = getattr(self.entry_by_action, kind)
        return self.entry if own is None else own


def check_strategy_names(strategies: Sequence[StrategyConfig], source_names: Sequence[str]) -> None:
    """Raise a ``ValidationError`` at ``strategies[i].name`` for a repeated or taken name.

    Called by ``Scenario``'s model validator, so these errors read like any other key's.
    """
    problems: list[InitErrorDetails] = []
    first: dict[str, int] = {}
    for index, strategy in enumerate(strategies):
        name = strategy.name
        if name in first:
            message = (f"{name!r} is also the name of strategies[{first[name]}]; give each "
                       "strategy its own name")
        elif name in source_names:
            message = (f"{name!r} is the name of a data source (data.sources); rename the "
                       "strategy or the source")
        elif name in RESERVED_NAMES:
            message = f"{name!r} is reserved for [[inject]] orders; rename the strategy"
        else:
            first[name] = index
            continue
        problems.append(InitErrorDetails(type="value_error", loc=("strategies", index, "name"),
                                         input=name, ctx={"error": message}))
    if problems:
        raise ValidationError.from_exception_data("Scenario", problems)
