"""The component model: placeholders, the registry's checks, and adding a component."""

from __future__ import annotations

import pytest

from sim.model.component import Ports, Receiver, Registry, Sink, Unwired, WiringError
from sim.model.link import LinkId
from sim.model.platform import Platform
from sim.model.testing import constant_topology, events, scenario


class OrderTap(Ports):
    """Counts the orders passing one point of the path and hands each on unchanged."""

    inputs = ("arrive",)
    outputs = ("forward",)
    forward: Receiver

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen = 0
        self.init_outputs()

    def arrive(self, seq: int) -> None:
        """Count the order and pass it on."""
        self.seen += 1
        self.forward(seq)

    def stats(self) -> dict[str, int]:
        """Orders seen."""
        return {"seen": self.seen}

    @property
    def scheduled_events(self) -> int:
        """None: it hands orders on at once."""
        return 0


class Recorder(Sink):
    """A sink that remembers what reached it."""

    def __init__(self) -> None:
        self.name = "sink"
        self.items: list[int] = []

    def arrive(self, seq: int) -> None:
        """Remember ``seq``."""
        self.items.append(seq)

    def stats(self) -> dict[str, int]:
        """Items received."""
        return {"items": len(self.items)}


ROWS = [(1_000, "add", 1, 1, 100, 10), (2_000, "add", 2, -1, 101, 5),
        (3_000, "market", 3, -1, None, 4)]


def test_an_unwired_output_raises_naming_component_and_port() -> None:
    tap = OrderTap("tap.one")
    assert tap.unwired() == ["forward"]
    with pytest.raises(WiringError, match=r"^tap\.one: output 'forward' is not connected$"):
        tap.arrive(7)
    assert isinstance(tap.forward, Unwired)


def test_connect_output_refuses_an_undeclared_port() -> None:
    with pytest.raises(WiringError, match=r"tap\.one has no output 'fwd' \(its outputs: forward\)"):
        OrderTap("tap.one").connect_output("fwd", print)


def test_registry_checks_names_wiring_and_sums_counters() -> None:
    registry = Registry()
    tap, sink = registry.add(OrderTap("tap.one")), registry.add(Recorder())
    with pytest.raises(WiringError, match=r"^two components are named 'sink'$"):
        registry.add(Recorder())
    with pytest.raises(WiringError, match=r"^unconnected outputs: tap\.one\.forward$"):
        registry.check_wiring()
    tap.connect_output("forward", sink.arrive)
    registry.check_wiring()
    tap.arrive(3)
    tap.arrive(5)
    assert sink.items == [3, 5]
    assert registry.stats() == {"sink": {"items": 2}, "tap.one": {"seen": 2}}
    assert registry.scheduled_events() == 0
    assert [c.name for c in registry] == ["tap.one", "sink"]


def test_every_platform_component_is_registered_and_wired() -> None:
    platform = Platform(scenario(constant_topology()), [[events(ROWS)]], len(ROWS))
    names = {component.name for component in platform.components}
    assert names >= {"stage.gateway", "stage.risk", "stage.matching", "stage.publisher",
                     "clients", "feed.clients", "link.client_to_gateway", "link.market_data"}
    assert all(not component.unwired() for component in platform.components)
    result = platform.run()
    assert set(result.components) == names
    assert result.scheduled_events == platform.components.scheduled_events()


def test_a_new_component_takes_one_class_and_one_registry_line() -> None:
    """The docs/components.md example: a tap between the gateway-to-risk link and risk."""
    platform = Platform(scenario(constant_topology()), [[events(ROWS)]], len(ROWS))
    tap = platform.components.add(OrderTap("tap.gateway_to_risk"))
    tap.connect_output("forward", platform.stages["risk"].arrive)
    platform.links[LinkId("gateway_to_risk")].connect(tap.arrive)
    result = platform.run()
    assert result.components["tap.gateway_to_risk"] == {"seen": 3}
    assert result.components["stage.risk"]["arrivals"] == 3
