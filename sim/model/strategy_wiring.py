"""Strategy sessions on a built platform: their links, their venue, their reports.

Each ``[[strategies]]`` entry gets a :class:`StrategySession` and its own links,
each on its own named stream: ``link.strategy.<name>.feed`` (market data to it),
``.entry`` (its actions; ``.submit``/``.modify``/``.cancel`` where
``entry_by_action`` gives a kind its own) and ``.response`` (execution
reports). Entry links deliver to the matching stage (``route = "direct"``) or
the gateway (``"platform"``); reports of strategy orders go back through
:class:`StrategyRouting`, everything else's as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from sim.core.queue_models import queue_model
from sim.model.component import Receiver
from sim.model.l2_reader import recorded_delays
from sim.model.link import NetworkLink
from sim.model.matching import MatchingEngine
from sim.model.recorder import OrderRecorder
from sim.model.strategy_routing import StrategyRouting
from sim.model.strategy_session import StrategySession
from sim.scenario.schema import LinkConfig
from sim.scenario.strategy import StrategyConfig, StrategyRoute
from sim.strategy.api import Strategy

STRATEGY_SOURCE_PREFIX = "strategy."
"""Recorder source (and component scope) of a strategy's orders: ``strategy.<name>``."""

MakeLink = Callable[[str, LinkConfig], NetworkLink]
"""Builds and registers a link on its own stream, by scope name."""

_KINDS: tuple[Literal["submit", "modify", "cancel"], ...] = ("submit", "modify", "cancel")


def strategy_sources(configs: list[StrategyConfig]) -> list[str]:
    """Recorder source names of the strategies, in scenario order."""
    return [STRATEGY_SOURCE_PREFIX + config.name for config in configs]


def build_sessions(
    configs: list[StrategyConfig],
    strategies: list[Strategy],
    recorder: OrderRecorder,
    engine: MatchingEngine,
    make_link: MakeLink,
    venue: Callable[[StrategyRoute], Receiver],
) -> list[StrategySession]:
    """One wired session per strategy; ``venue(route)`` is where its entry links deliver."""
    sessions: list[StrategySession] = []
    for config, strategy in zip(configs, strategies, strict=True):
        source = recorder.sources.index(STRATEGY_SOURCE_PREFIX + config.name)
        session = StrategySession(engine.env, config, strategy, source, recorder, engine)
        scope = f"link.{session.name}"
        entry = make_link(f"{scope}.entry", config.entry)
        receiver = venue(config.route)
        entry.connect(receiver)
        for kind in _KINDS:
            own = getattr(config.entry_by_action, kind)
            link = entry if own is None else make_link(f"{scope}.{kind}", own)
            link.connect(receiver)
            session.connect_output(f"{kind}_out", link.send_at)
        feed = make_link(f"{scope}.feed", config.feed)
        _recorded(feed, config, engine, len(sessions))
        engine.l2.queue_models[source] = queue_model(config.queue_model.kind,
                                                     config.queue_model.power)
        feed.connect(session.market_data)
        session.connect_output("feed_out", feed.send_at)
        response = make_link(f"{scope}.response", config.response)
        response.connect(session.report_delivered)
        session.connect_output("response_out", response.send_at)
        sessions.append(session)
    return sessions


def _recorded(link: NetworkLink, config: StrategyConfig, engine: MatchingEngine,
              index: int) -> None:
    """Make ``link`` replay the data's recorded delays when its config says ``from_data``."""
    recorded = config.feed.from_data
    if recorded is None:
        return
    offset = recorded.offset
    if recorded.sample == "per_message":
        l2 = engine.l2
        link.replay_recorded(lambda: l2.recorded_delay_ns + offset)
        return
    where = f"strategies[{index}].feed.latency"
    delays = [recorded_delays(path, offset, where) for path in engine.l2.recorded_paths]
    link.draw_recorded(np.sort(np.concatenate(delays)) if delays else np.zeros(0, np.int64))


def route_reports(
    recorder: OrderRecorder, engine: MatchingEngine, sessions: list[StrategySession],
    clients: Receiver,
) -> StrategyRouting:
    """The router the order stages report to (it follows the books once added as a listener)."""
    routing = StrategyRouting(recorder, engine, sessions)
    routing.connect_output("clients", clients)
    return routing
