"""The scenario schema: every section of a scenario TOML file and its defaults.

This is the one place defaults live. Components receive their config object
(``StageConfig``, ``LinkConfig``, ...) rather than loose keyword arguments.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from sim.errors import ScenarioError
from sim.scenario.distributions import ConstantDist, Distribution, ExponentialDist
from sim.scenario.faults import Fault, FaultContext, check_fault_context, check_fault_window
from sim.scenario.inject import INJECT_SOURCE, InjectedOrderConfig
from sim.scenario.link import LINK_NAMES, LinkConfig
from sim.scenario.market_data import MarketDataConfig
from sim.scenario.risk import RiskConfig
from sim.scenario.standby import AuditConfig, StandbysConfig
from sim.scenario.strategy import StrategyConfig, check_strategy_names
from sim.scenario.types import (
    Count,
    DurationNs,
    FrozenModel,
    PositiveDurationNs,
    check_unique_names,
    default_omitted,
)

__all__ = [
    "DataConfig",
    "Fault",
    "GatewayConfig",
    "InjectedOrderConfig",
    "LinkConfig",
    "LinksConfig",
    "RateLimitConfig",
    "ReportConfig",
    "RiskConfig",
    "Route",
    "Scenario",
    "SourceConfig",
    "StageConfig",
    "StageOrdering",
    "StrategyConfig",
    "TopologyConfig",
    "VolumeConfig",
    "VolumeMode",
]


class Route(StrEnum):
    """How a feed source reaches the matching engine."""

    DIRECT = "direct"
    """Events reach the book at their historical time (the backtest view)."""
    FULL = "full"
    """Events travel the gateway and risk path like client orders (the capacity view)."""


class SourceConfig(FrozenModel):
    """One Parquet input replayed by an ``ExchangeFeed``."""

    name: str = Field(default="feed", pattern=r"^[a-z][a-z0-9_]*$")
    path: Path
    route: Route = Route.FULL


class VolumeMode(StrEnum):
    """How a volume multiplier makes k times the flow (see :mod:`sim.data.volume`)."""

    COMPRESS = "compress"
    """The same events, inter-arrival times divided by k (exact integer ns)."""
    REPLICATE = "replicate"
    """k copies of the flow at the original times, copy i on symbols ``<SYM>.<i>``."""


class VolumeConfig(FrozenModel):
    """A volume multiplier applied to every source after the data window is cut."""

    multiplier: Count = Field(default=1, ge=1)
    """k: 1 replays the data as recorded."""
    mode: VolumeMode = VolumeMode.COMPRESS


class DataConfig(FrozenModel):
    """What is replayed: sources, symbol filter, time window and volume multiplier."""

    sources: list[SourceConfig] = Field(min_length=1)
    symbols: list[str] = Field(default_factory=list)
    """Only these symbols are replayed; empty means all."""
    offset: DurationNs = 0
    """Skip this much time from the first event of the data."""
    duration: PositiveDurationNs | None = None
    """Replay only this much time after ``offset``; ``None`` replays to the end."""
    max_events: Count | None = Field(default=None, gt=0)
    """Replay at most this many events per source (after the symbol and time filters)."""
    volume: VolumeConfig = Field(default_factory=VolumeConfig)
    """k times the flow; ``offset`` and ``duration`` cut the original (uncompressed) times."""

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        check_unique_names("source", [source.name for source in sources])
        return sources


class StageOrdering(StrEnum):
    """Which messages a multi-worker stage keeps in sequence (see :mod:`sim.model.server`)."""

    SESSION = "session"
    """A message starts no service while an earlier one of its session is at the stage."""
    NONE = "none"
    """Any waiting message takes a free worker: a cancel can overtake its own add."""


class StageConfig(FrozenModel):
    """A server: parallel workers, a service-time distribution and a bounded queue."""

    workers: Count = Field(default=1, ge=1, le=4096)
    service: Distribution = Field(default_factory=lambda: ConstantDist(value=1_000))
    queue_capacity: Count = Field(default=100_000, ge=0)
    """Orders waiting beyond the busy workers; a full queue rejects with ``queue_full``."""
    ordering: StageOrdering = default_omitted(StageOrdering.SESSION)
    """Per-session order (default) or none; one worker keeps every order anyway."""
    sessions: Count = default_omitted(64, ge=1, le=1_000_000)
    """Sessions the flow of a source without accounts is spread over (``session`` ordering)."""


class RateLimitConfig(FrozenModel):
    """Token bucket per account: ``burst`` orders at once, refilled at ``rate_per_s``."""

    rate_per_s: Count = Field(gt=0)
    """Tokens (orders) added per second, refilled exactly per nanosecond."""
    burst: Count = Field(gt=0)
    """Bucket size: most orders an idle account can send back to back."""


class GatewayConfig(StageConfig):
    """The gateway stage, optionally with a per-account order rate limit."""

    rate_limit: RateLimitConfig | None = None
    """``None`` (default) lets every order through; see :mod:`sim.model.rate_limit`."""


def _stage(mean_ns: int, workers: int = 1) -> StageConfig:
    return StageConfig(workers=workers, service=ExponentialDist(mean=mean_ns))


def _link(latency_ns: int) -> LinkConfig:
    return LinkConfig(latency=ConstantDist(value=latency_ns))


class LinksConfig(FrozenModel):
    """The named hops of the platform (see the diagram in the README)."""

    client_to_gateway: LinkConfig = Field(default_factory=lambda: _link(20_000))
    gateway_to_risk: LinkConfig = Field(default_factory=lambda: _link(5_000))
    risk_to_matching: LinkConfig = Field(default_factory=lambda: _link(5_000))
    matching_to_client: LinkConfig = Field(default_factory=lambda: _link(20_000))
    market_data: LinkConfig = Field(default_factory=lambda: _link(20_000))


class TopologyConfig(FrozenModel):
    """Stages and links of the simulated platform."""

    gateway: GatewayConfig = Field(
        default_factory=lambda: GatewayConfig(workers=2, service=ExponentialDist(mean=5_000))
    )
    risk: StageConfig = Field(default_factory=lambda: _stage(3_000))
    matching: StageConfig = Field(default_factory=lambda: _stage(2_000))
    publisher: StageConfig = Field(default_factory=lambda: _stage(1_000))
    links: LinksConfig = Field(default_factory=LinksConfig)
    audit: AuditConfig | None = None
    """The matching engine's write-ahead log; ``None``: orders apply without one."""
    standbys: StandbysConfig = Field(default_factory=StandbysConfig)
    market_data: MarketDataConfig | None = default_omitted(None)
    """Publisher fan-out to subscribers (``sim.scenario.market_data``); ``None``: the one
    ``links.market_data`` link. Left out of dumps when ``None``, so digests do not move."""

    @model_validator(mode="after")
    def _publisher_has_no_sessions(self) -> TopologyConfig:
        keys = sorted({"ordering", "sessions"} & self.publisher.model_fields_set)
        if keys:
            raise ValueError(f"topology.publisher.{keys[0]}: the publisher always publishes "
                             "in sequence (one feed, no sessions); remove the key")
        return self


class ReportConfig(FrozenModel):
    """What a run writes besides the per-order table."""

    timeline_interval: PositiveDurationNs | None = None
    """Bucket width of the per-component time series; ``None`` picks about 200 buckets."""
    tick_size: Count = Field(default=100, gt=0)
    """Price units per tick, for price moves reported in ticks (100: a cent at scale 10,000)."""


class Scenario(FrozenModel):
    """A complete, validated scenario as resolved from its file, parents and overrides."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    description: str = ""
    seed: Count = Field(default=0, ge=0, lt=2**63)
    price_scale: Count = Field(default=10_000, gt=0)
    data: DataConfig
    topology: TopologyConfig = Field(default_factory=TopologyConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    inject: list[InjectedOrderConfig] = Field(default_factory=list)
    """Orders sent through the full client path at fixed times (``[[inject]]``)."""
    faults: list[Fault] = Field(default_factory=list, exclude_if=lambda faults: not faults)
    """Timed stalls, degraded and partitioned links (``[[faults]]``, ``sim.scenario.faults``)."""
    strategies: list[StrategyConfig] = Field(default_factory=list,
                                             exclude_if=lambda strategies: not strategies)
    """Strategies run against the replay (``[[strategies]]``, ``sim.scenario.strategy``)."""
    budget: dict[str, Any] = Field(default_factory=dict)
    """Latency and fill-rate limits checked by ``sim check`` (syntax: ``sim.report.budget``)."""
    engine: Literal["simpy", "fast"] = Field(default="simpy", exclude=True)
    """``"fast"``: the vectorized engine (:mod:`sim.fast`), same results where it applies.
    Never dumped: it changes how a run is computed, not what it computes, so the
    digest and run id are the same for both engines."""
    _source: str = PrivateAttr(default="<scenario>")

    @property
    def source(self) -> str:
        """The file it was loaded from (``"<scenario>"`` when built from a dict), for errors."""
        return self._source

    @model_validator(mode="after")
    def _inject_source_name_free(self) -> Scenario:
        if self.inject and any(source.name == INJECT_SOURCE for source in self.data.sources):
            raise ValueError(
                f"data.sources: the source name {INJECT_SOURCE!r} is reserved for [[inject]] "
                "orders; rename the source"
            )
        return self

    @model_validator(mode="after")
    def _strategy_names_free(self) -> Scenario:
        if self.strategies:
            check_strategy_names(self.strategies,
                                 [source.name for source in self.data.sources])
        return self

    @model_validator(mode="after")
    def _faults_fit_the_scenario(self) -> Scenario:
        if self.faults:
            check_fault_context(self.faults, _fault_context(self))
        return self


def _fault_context(scenario: Scenario) -> FaultContext:
    """What ``scenario``'s faults may need: standbys, the audit log, risk, retransmits."""
    topology = scenario.topology
    links = topology.links
    missing: dict[str, str] = {
        name: f"[topology.links.{name}].retransmit_delay"
        for name in LINK_NAMES
        if getattr(links, name).retransmit_delay is None
    }
    if topology.market_data is not None:  # its subscribers' links replace links.market_data
        bare = [index for index, subscriber in enumerate(topology.market_data.subscribers)
                if subscriber.link.retransmit_delay is None]
        missing.pop("market_data", None)
        if bare:
            others = len(bare) - 1
            missing["market_data"] = (
                f"topology.market_data.subscribers[{bare[0]}].link.retransmit_delay"
                + (f" and on the {others} other subscriber link{'s' if others > 1 else ''} "
                   "without one" if others else "")
            )
    standbys = topology.standbys
    return FaultContext(
        standbys=[name for name in type(standbys).model_fields
                  if getattr(standbys, name) is not None],
        audit_log=topology.audit is not None,
        risk_enabled=scenario.risk.enabled,
        missing_retransmit=missing,
    )


def check_scenario_faults(scenario: Scenario, window_ns: int) -> None:
    """Check that every fault starts inside the data window (the schema checked the rest).

    Args:
        scenario: The resolved scenario.
        window_ns: Length of the replayed data window (int ns, after volume compression).
    """
    try:
        check_fault_window(scenario.faults, window_ns)
    except ScenarioError as exc:
        raise ScenarioError(f"{scenario.source}: {exc}") from None
