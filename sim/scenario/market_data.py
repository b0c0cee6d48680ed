"""Market-data fan-out: the publisher's subscribers, their links and how fast they read.

::

    [topology.market_data]
    mode = "unicast"            # unicast: one copy per subscriber; multicast: one copy per tier
    [[topology.market_data.subscribers]]
    name = "algo_a"
    tier = "colo"               # multicast: one send and one link draw per tier per message
    link = { latency = { kind = "constant", value = "20us" } }   # a LinkConfig (FIFO)
    consume = { kind = "constant", value = "2us" }   # time to process one message; absent: 0
    buffer = 1000               # messages waiting to be consumed, at most
    on_full = "drop"            # drop (a gap) | disconnect (cut off, nothing more delivered)

Absent, the publisher sends every message onto the one
``topology.links.market_data`` link, as before. Present, the subscribers' links
replace that link (it is not built): ``link.market_data.<name>`` per subscriber
in unicast, ``link.market_data.<tier>`` per tier in multicast, where every
subscriber of a tier must give the same ``link``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from sim.scenario.distributions import ConstantDist, Distribution
from sim.scenario.link import LinkConfig
from sim.scenario.types import Count, FrozenModel, check_unique_names

__all__ = [
    "FanoutMode",
    "MarketDataConfig",
    "OnFull",
    "SubscriberConfig",
]

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
"""Subscriber and tier names: they become scope names (``subscriber.<name>``)."""


class FanoutMode(StrEnum):
    """How the publisher reaches its subscribers."""

    UNICAST = "unicast"
    """One copy per subscriber, each on its own link: publisher work grows with N."""
    MULTICAST = "multicast"
    """One copy per tier; the tier's link delivers it to every subscriber of the tier at once."""


class OnFull(StrEnum):
    """What happens to a message that finds a subscriber's buffer full."""

    DROP = "drop"
    """The message is dropped (a sequence gap); later messages are still delivered."""
    DISCONNECT = "disconnect"
    """The subscriber is cut off: this message and every later one are undelivered."""


class SubscriberConfig(FrozenModel):
    """One consumer of the market-data feed."""

    name: str = Field(pattern=NAME_PATTERN)
    tier: str = Field(default="default", pattern=NAME_PATTERN)
    """Subscribers of one tier share a multicast group (ignored in unicast)."""
    link: LinkConfig = Field(default_factory=lambda: LinkConfig(latency=ConstantDist(value=20_000)))
    """Publisher to this subscriber; must be FIFO (a sequenced feed arrives in order)."""
    consume: Distribution | None = None
    """Time to process one message, one at a time; ``None``: processed on arrival."""
    buffer: Count = Field(default=1_000, ge=1)
    """Messages waiting to be consumed (not counting the one being processed)."""
    on_full: OnFull = OnFull.DROP

    @field_validator("link")
    @classmethod
    def _fifo(cls, link: LinkConfig) -> LinkConfig:
        if not link.fifo:
            raise ValueError(
                "a subscriber link must be FIFO (a sequenced feed is received in order); "
                "remove fifo = false"
            )
        return link


class MarketDataConfig(FrozenModel):
    """The publisher's subscribers and whether it unicasts or multicasts to them."""

    mode: FanoutMode = FanoutMode.UNICAST
    subscribers: list[SubscriberConfig] = Field(min_length=1)

    @field_validator("subscribers")
    @classmethod
    def _unique_names(cls, subscribers: list[SubscriberConfig]) -> list[SubscriberConfig]:
        check_unique_names("subscriber", [subscriber.name for subscriber in subscribers])
        return subscribers

    @model_validator(mode="after")
    def _one_link_per_tier(self) -> MarketDataConfig:
        if self.mode is not FanoutMode.MULTICAST:
            return self
        first: dict[str, int] = {}
        for index, subscriber in enumerate(self.subscribers):
            leader = first.setdefault(subscriber.tier, index)
            if subscriber.link != self.subscribers[leader].link:
                raise ValueError(
                    f"subscribers[{index}].link differs from subscribers[{leader}].link, but "
                    f"both are in tier {subscriber.tier!r}; in multicast a tier shares one "
                    "link, so give them the same link or different tiers"
                )
        return self

    def destinations(self) -> list[tuple[str, LinkConfig, list[SubscriberConfig]]]:
        """``(name, link, subscribers)`` per copy the publisher sends, sorted by name.

        Unicast: one per subscriber; multicast: one per tier, its subscribers by name.
        """
        ordered = sorted(self.subscribers, key=lambda subscriber: subscriber.name)
        if self.mode is FanoutMode.UNICAST:
            return [(subscriber.name, subscriber.link, [subscriber]) for subscriber in ordered]
        tiers: dict[str, list[SubscriberConfig]] = {}
        for subscriber in ordered:
            tiers.setdefault(subscriber.tier, []).append(subscriber)
        return [(tier, members[0].link, members) for tier, members in sorted(tiers.items())]
