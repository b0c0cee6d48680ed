"""A network hop's config: latency, FIFO, optional bandwidth and loss.

Its own module so that sections defined outside ``schema`` (market-data
subscribers, ``sim.scenario.market_data``) can hold a ``LinkConfig`` without an
import cycle; ``sim.scenario.schema`` re-exports it.
"""

from __future__ import annotations

from typing import Any, Final, Literal, get_args

from pydantic import Field, model_validator

from sim.scenario.distributions import ConstantDist, Distribution
from sim.scenario.types import Count, DurationNs, Flag, FrozenModel, SizeBytes, default_omitted

__all__ = ["LINK_NAMES", "FeedLinkConfig", "LinkConfig", "LinkName", "RecordedLatency"]

LinkName = Literal[
    "client_to_gateway",
    "gateway_to_risk",
    "risk_to_matching",
    "matching_to_client",
    "market_data",
]
"""A named hop of the platform, as a type (fault ``link`` keys are checked against it)."""

LINK_NAMES: Final[tuple[LinkName, ...]] = get_args(LinkName)
"""The platform's named hops: the ``[topology.links]`` keys, in path order."""


class LinkConfig(FrozenModel):
    """A network hop: latency, optional bandwidth and loss; FIFO (never overtakes) by default.

    A message's delay is its wait for the sender to finish serializing earlier
    messages (only with ``bandwidth_bps``), its own serialization time, a
    ``latency`` draw and ``retransmit_delay`` per lost attempt; a FIFO link then
    delivers no earlier than the previous message.
    """

    latency: Distribution = Field(default_factory=lambda: ConstantDist(value=0))
    fifo: Flag = True
    bandwidth_bps: Count | None = default_omitted(None, gt=0)
    """Bits per second; each message takes ``ceil(message_bytes * 8e9 / bandwidth_bps)`` ns to
    serialize and the sender serializes one message at a time. ``None``: no serialization delay."""
    message_bytes: SizeBytes = default_omitted(100)
    """Size of every message on the link (used only with ``bandwidth_bps``)."""
    loss: float = default_omitted(0.0, ge=0, lt=1)
    """Probability that one transmission is lost; attempts repeat until one gets through."""
    retransmit_delay: DurationNs | None = default_omitted(None)
    """Added once per lost attempt (timeout plus resend); required when ``loss > 0``."""

    @model_validator(mode="after")
    def _retransmit_delay_with_loss(self) -> LinkConfig:
        if self.loss > 0 and self.retransmit_delay is None:
            raise ValueError(
                f"loss = {self.loss} needs retransmit_delay, the time one lost attempt costs "
                '(e.g. retransmit_delay = "200ms", the minimum TCP retransmission timeout on Linux)'
            )
        return self

    def serialization_ns(self) -> int:
        """Time to put one message on the wire, in int ns (0 without ``bandwidth_bps``)."""
        if self.bandwidth_bps is None:
            return 0
        return -(-self.message_bytes * 8 * 1_000_000_000 // self.bandwidth_bps)


class RecordedLatency(FrozenModel):
    """``latency = "from_data"``: the delay the data recorded, ``ts_recv - ts`` (+ ``offset``).

    ``per_message`` (default) delays each market-data message by its own row's recorded
    delay (a message a model order caused: the last row's); ``empirical`` draws from all
    the sources' recorded delays on the link's own stream. ``offset`` is added to every
    delay: a receiving clock that ran behind the venue's gives negative deltas, refused
    unless an offset makes them non-negative.
    """

    kind: Literal["from_data"] = "from_data"
    sample: Literal["per_message", "empirical"] = "per_message"
    offset: DurationNs = 0


class FeedLinkConfig(LinkConfig):
    """A strategy's feed link: any :class:`LinkConfig`, or ``latency = "from_data"``.

    ``latency = "from_data"`` (or ``{ kind = "from_data", sample = ..., offset = ... }``)
    is kept in ``from_data``; the link's ``latency`` stays the zero constant, unused.
    """

    from_data: RecordedLatency | None = default_omitted(None)
    """The recorded latency the link replays (None: its ``latency`` distribution)."""

    @model_validator(mode="before")
    @classmethod
    def _from_data(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        latency = raw.get("latency")
        if latency == "from_data":
            latency = {"kind": "from_data"}
        if isinstance(latency, dict) and latency.get("kind") == "from_data":
            rest = {key: value for key, value in raw.items() if key != "latency"}
            return {**rest, "from_data": {key: value for key, value in latency.items()
                                          if key != "kind"}}
        return raw
