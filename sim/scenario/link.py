"""A network hop's config: latency, FIFO, optional bandwidth and loss.

Its own module so that sections defined outside ``schema`` (market-data
subscribers, ``sim.scenario.market_data``) can hold a ``LinkConfig`` without an
import cycle; ``sim.scenario.schema`` re-exports it.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from sim.scenario.distributions import ConstantDist, Distribution
from sim.scenario.types import DurationNs, FrozenModel, SizeBytes

__all__ = ["LINK_NAMES", "LinkConfig"]

LINK_NAMES: Final[tuple[str, ...]] = (
    "client_to_gateway",
    "gateway_to_risk",
    "risk_to_matching",
    "matching_to_client",
    "market_data",
)
"""The platform's named hops: the ``[topology.links]`` keys, in path order."""


_LINK_SHAPING_DEFAULTS: dict[str, object] = {
    "bandwidth_bps": None,
    "message_bytes": 100,
    "loss": 0.0,
    "retransmit_delay": None,
}
"""LinkConfig keys left out of dumps when at these defaults (see ``_omit_unset_shaping``)."""


class LinkConfig(FrozenModel):
    """A network hop: latency, optional bandwidth and loss; FIFO (never overtakes) by default.

    A message's delay is its wait for the sender to finish serializing earlier
    messages (only with ``bandwidth_bps``), its own serialization time, a
    ``latency`` draw and ``retransmit_delay`` per lost attempt; a FIFO link then
    delivers no earlier than the previous message.
    """

    latency: Distribution = Field(default_factory=lambda: ConstantDist(value=0))
    fifo: bool = True
    bandwidth_bps: int | None = Field(default=None, gt=0)
    """Bits per second; each message takes ``ceil(message_bytes * 8e9 / bandwidth_bps)`` ns to
    serialize and the sender serializes one message at a time. ``None``: no serialization delay."""
    message_bytes: SizeBytes = 100
    """Size of every message on the link (used only with ``bandwidth_bps``)."""
    loss: float = Field(default=0.0, ge=0, lt=1)
    """Probability that one transmission is lost; attempts repeat until one gets through."""
    retransmit_delay: DurationNs | None = None
    """Added once per lost attempt (timeout plus resend); required when ``loss > 0``."""

    @model_validator(mode="after")
    def _retransmit_delay_with_loss(self) -> LinkConfig:
        if self.loss > 0 and self.retransmit_delay is None:
            raise ValueError(
                f"loss = {self.loss} needs retransmit_delay, the time one lost attempt costs "
                '(e.g. retransmit_delay = "200ms", the minimum TCP retransmission timeout on Linux)'
            )
        return self

    @model_serializer(mode="wrap")
    def _omit_unset_shaping(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Leave bandwidth and loss keys at their defaults out of dumps.

        The resolved scenario feeds the run digest, so an unshaped link dumps exactly
        as it did before these keys existed and old digests stay valid.
        """
        data = handler(self)
        if isinstance(data, dict):
            for key, default in _LINK_SHAPING_DEFAULTS.items():
                if key in data and data[key] == default:
                    del data[key]
        return data

    def serialization_ns(self) -> int:
        """Time to put one message on the wire, in int ns (0 without ``bandwidth_bps``)."""
        if self.bandwidth_bps is None:
            return 0
        return -(-self.message_bytes * 8 * 1_000_000_000 // self.bandwidth_bps)
