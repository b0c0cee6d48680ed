"""Queue-position models: where a model order stands in an L2 level it cannot see into.

An L2 feed shows only each price level's total, so a model order resting in it has an
*estimated* position: ``ahead``, the historical quantity in front of it. It starts at
the level's visible quantity when the order joins (it queues behind everything there)
and moves as hftbacktest's queue models move it (``hftbacktest/src/backtest/models/
queue.rs``; docs: hftbacktest.readthedocs.io, "Queue Models"):

- a trade at the order's price advances it by the trade's quantity (every model);
- a fall of the level's quantity is a cancellation once the trades printed at that
  price since the last level change are taken out of it. :class:`RiskAverseQueueModel`
  assumes every cancellation is behind the order (``ahead = min(ahead, new level)``);
  :class:`ProbQueueModel` assumes a share ``1 - p`` of it is ahead, with
  ``p = f(behind) / (f(behind) + f(ahead))`` the probability that a cancellation is
  behind (Rigtorp 2013, "Estimating order queue position"), ``f(x) = x ** n``
  (power, :func:`power_form`) or ``f(x) = log(1 + x)`` (log, :func:`log_form`):
  ``ahead = min(ahead - (1 - p) * chg + min(behind - p * chg, 0), new level)``;
- a rise of the level leaves it where it is (new volume joins behind).

The estimate is an expected value (a float), so a run stays deterministic: no draws.
An order can fill ``floor(-ahead)`` once ``ahead`` is negative (the trade volume has
gone past it); :mod:`sim.core.l2_book` caps that by the trade and the order's size.
One guard hftbacktest does not need: ``ahead`` is clamped at 0 inside ``f`` (a
negative power of a fractional ``n`` has no real value), and ``p`` is 1 when both
``f`` are 0 (nothing in front or behind: the cancellation cannot be ahead).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(slots=True)
class QueuePosition:
    """A model order's estimated place in its L2 level.

    Attributes:
        ahead: Historical quantity estimated in front of the order (negative once
            trades have gone past it: ``floor(-ahead)`` is what it can fill).
        traded: Quantity traded at the level since its last change (taken out of the
            next decrease so a trade is not counted twice, as a trade and a cancel).
    """

    ahead: float
    traded: int = 0


class QueueModel(Protocol):
    """How trades and level changes move a :class:`QueuePosition`."""

    name: str
    """The scenario's ``queue_model.kind``."""

    def on_trade(self, position: QueuePosition, qty: int) -> None:
        """``qty`` traded at the order's price."""
        ...

    def on_level_change(self, position: QueuePosition, previous: int, new: int) -> None:
        """The level's historical quantity went from ``previous`` to ``new``."""
        ...


class RiskAverseQueueModel:
    """Only trades advance the order: every cancellation is assumed to be behind it."""

    name = "risk_averse"

    def on_trade(self, position: QueuePosition, qty: int) -> None:
        """Trades at the price advance it one for one."""
        position.ahead -= qty

    def on_level_change(self, position: QueuePosition, previous: int, new: int) -> None:
        """The level can shrink below what was ahead: then everything left is ahead."""
        position.ahead = min(position.ahead, new)


Form = Callable[[float], float]
"""``f`` of a probabilistic model: ``p = f(behind) / (f(behind) + f(ahead))``."""


def power_form(n: float) -> Form:
    """``f(x) = x ** n`` (hftbacktest's ``PowerProbQueueFunc``)."""
    return lambda x: x**n


def log_form(x: float) -> float:
    """``f(x) = log(1 + x)`` (hftbacktest's ``LogProbQueueFunc``)."""
    return math.log1p(x)


class ProbQueueModel:
    """Cancellations advance the order by their expected share in front of it.

    Args:
        name: The scenario's kind (``prob_power`` or ``prob_log``).
        form: ``f`` in ``p = f(behind) / (f(behind) + f(ahead))``.
    """

    def __init__(self, name: str, form: Form) -> None:
        self.name = name
        self._f = form

    def on_trade(self, position: QueuePosition, qty: int) -> None:
        """Trades advance it one for one and are remembered for the next level change."""
        position.ahead -= qty
        position.traded += qty

    def on_level_change(self, position: QueuePosition, previous: int, new: int) -> None:
        """A decrease not explained by trades is a cancellation, ahead with prob. ``1 - p``."""
        change = previous - new - position.traded
        position.traded = 0
        if change < 0:
            position.ahead = min(position.ahead, new)
            return
        front = position.ahead
        back = previous - front
        p = self.probability_behind(front, back)
        estimate = front - (1.0 - p) * change + min(back - p * change, 0.0)
        position.ahead = min(estimate, new)

    def probability_behind(self, ahead: float, behind: float) -> float:
        """``p``: the probability that a cancellation is behind the order."""
        f_back, f_front = self._f(max(behind, 0.0)), self._f(max(ahead, 0.0))
        total = f_back + f_front
        return f_back / total if total > 0 and math.isfinite(total) else 1.0


def fillable(position: QueuePosition) -> int:
    """Whole units the order can fill now: ``floor(-ahead)`` once trades passed it, else 0."""
    return math.floor(-position.ahead) if position.ahead <= -1 else 0


RISK_AVERSE = RiskAverseQueueModel()
"""The default model (also for model orders that are not a strategy's)."""


def queue_model(kind: str, power: float = 3.0) -> QueueModel:
    """The model a scenario names: ``risk_averse``, ``prob_power`` (with ``power``), ``prob_log``.

    Raises:
        ValueError: an unknown kind (the scenario schema refuses it first).
    """
    if kind == "risk_averse":
        return RISK_AVERSE
    if kind == "prob_power":
        return ProbQueueModel(kind, power_form(power))
    if kind == "prob_log":
        return ProbQueueModel(kind, log_form)
    raise ValueError(f"unknown queue model {kind!r} (risk_averse, prob_power or prob_log)")
