"""Strategies: user classes that react to the replayed market and send orders back.

Design notes:

- :mod:`api` is the whole contract: a :class:`Strategy` overrides callbacks and acts
  through its :class:`StrategyContext`; records (:class:`BookUpdate`,
  :class:`TradePrint`, :class:`ExecutionReport`) are frozen and carry venue times.
- A scenario names strategies by import path in ``[[strategies]]``
  (``sim.scenario.strategy``); :mod:`loading` imports, checks and constructs them
  before simulated time starts, so a bad path or parameter is a one-line error.
- The timed side (sessions, links, routing to the venue) lives in ``sim.model``.
"""

from sim.strategy.api import (
    BookUpdate,
    ExecutionReport,
    ReportStatus,
    Strategy,
    StrategyContext,
    TradePrint,
)

__all__ = [
    "BookUpdate",
    "ExecutionReport",
    "ReportStatus",
    "Strategy",
    "StrategyContext",
    "TradePrint",
]
