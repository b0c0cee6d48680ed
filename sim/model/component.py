"""The component model: what every timed part of the platform is, and the one registry of them.

A *component* (feed, link, stage, audit log, publisher, subscriber, injector,
failover controller, client sessions, and the strategy sessions to come) has a
scope ``name`` (``stage.gateway``, ``link.market_data.alpha``: the key of its
counters in ``RunResult.components``), declared ``inputs`` (the methods other
components hand items to) and ``outputs`` (attributes holding where its items
go), ``stats()`` counters and ``scheduled_events``, the SimPy events it has
scheduled. Components register in a :class:`Registry` on the platform, and the
platform's wiring check, counters, event count and fault application are loops
over it.

An output starts as an :class:`Unwired` placeholder, not ``None``: the hot path
calls it without a check, calling it before it is connected raises a
:class:`WiringError` naming the component and the port, and
:meth:`Registry.check_wiring` refuses to start time while any output is still a
placeholder (desmod's ``elaborate`` step, done once before the run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar, NoReturn, Protocol, TypeVar, runtime_checkable

from sim.errors import SimError

Receiver = Callable[[int], None]
"""Gets an item (an order sequence number) when it arrives."""


class WiringError(SimError):
    """The platform is wired wrongly (an output unconnected, a name twice); found before the run."""


class Unwired:
    """Placeholder of an unconnected output; calling it raises :class:`WiringError`."""

    __slots__ = ("component", "port")

    def __init__(self, component: str, port: str) -> None:
        self.component = component
        self.port = port

    def __call__(self, *_items: object) -> NoReturn:
        """Refuse: nothing is connected to this output."""
        raise WiringError(f"{self.component}: output {self.port!r} is not connected")

    def __repr__(self) -> str:
        return f"Unwired({self.component!r}, {self.port!r})"


@runtime_checkable
class Component(Protocol):
    """What the platform needs of every timed part."""

    name: str

    def unwired(self) -> list[str]:
        """Names of the outputs not connected yet (empty once wired)."""
        ...

    def stats(self) -> dict[str, int]:
        """Counters for ``RunResult.components[name]``."""
        ...

    @property
    def scheduled_events(self) -> int:
        """SimPy events this component has scheduled so far."""
        ...


class Ports:
    """Mixin giving a component declared ``inputs``/``outputs`` and placeholder outputs.

    A subclass lists its output attribute names in ``outputs`` (annotated on the
    class with their callable type) and calls :meth:`init_outputs` in ``__init__``;
    :meth:`connect_output` then sets one, refusing a port the class does not declare.
    """

    inputs: ClassVar[tuple[str, ...]] = ()
    """Methods other components deliver items to."""
    outputs: ClassVar[tuple[str, ...]] = ()
    """Attributes holding where this component's items go."""
    name: str

    def init_outputs(self) -> None:
        """Set every declared output to its :class:`Unwired` placeholder."""
        for port in self.outputs:
            setattr(self, port, Unwired(self.name, port))

    def connect_output(self, port: str, receiver: Callable[..., None]) -> None:
        """Send this component's ``port`` items to ``receiver``."""
        if port not in self.outputs:
            raise WiringError(
                f"{self.name} has no output {port!r} (its outputs: {', '.join(self.outputs)})"
            )
        setattr(self, port, receiver)

    def unwired(self) -> list[str]:
        """Declared outputs still holding their placeholder."""
        return [port for port in self.outputs if isinstance(getattr(self, port), Unwired)]


class Sink:
    """Mixin of a component that only records what reaches it: no outputs, no events."""

    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ()

    def unwired(self) -> list[str]:
        """None: a sink has no outputs."""
        return []

    @property
    def scheduled_events(self) -> int:
        """None: a sink records at the time it is handed an item."""
        return 0


C = TypeVar("C", bound=Component)


class Registry:
    """Every component of one platform by scope name, in registration order."""

    def __init__(self) -> None:
        self._components: dict[str, Component] = {}

    def add(self, component: C) -> C:
        """Register ``component`` under its name (unique) and return it."""
        if component.name in self._components:
            raise WiringError(f"two components are named {component.name!r}")
        self._components[component.name] = component
        return component

    def __iter__(self) -> Iterator[Component]:
        return iter(self._components.values())

    def __len__(self) -> int:
        return len(self._components)

    def __getitem__(self, name: str) -> Component:
        return self._components[name]

    def __contains__(self, name: object) -> bool:
        return name in self._components

    def check_wiring(self) -> None:
        """Raise :class:`WiringError` naming every unconnected ``component.port``."""
        loose = [f"{c.name}.{port}" for c in self for port in c.unwired()]
        if loose:
            raise WiringError(f"unconnected outputs: {', '.join(sorted(loose))}")

    def stats(self) -> dict[str, dict[str, int]]:
        """Counters of every component by scope name, sorted by name."""
        return {name: self._components[name].stats() for name in sorted(self._components)}

    def scheduled_events(self) -> int:
        """SimPy events all components have scheduled so far."""
        return sum(component.scheduled_events for component in self)
