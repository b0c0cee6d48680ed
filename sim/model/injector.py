"""Injected orders: the scenario's ``[[inject]]`` orders, sent by a client at fixed times.

An entry with ``count`` sends its train of orders (``expand_injections``); each
order's ``order_id`` is its position in that expanded list plus one, so a
scenario without ``count`` numbers its orders ``1..len(inject)`` as before.

Each order is written to the recorder when it is sent (source ``"inject"``, its
own account) and travels the full client path: its own client connection (a
link with the ``client_to_gateway`` configuration, scope
``link.client_to_gateway.inject``, so the replayed clients' link and its random
draws are untouched), then gateway, risk and matching like any order.
A ``price_offset_bps`` price is taken from the symbol's book when the order is
sent: the floored mid, else the one side there is.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import simpy

from sim.core.circuit_breaker import BPS
from sim.core.vocabulary import OrderAction
from sim.data.events import NO_PRICE
from sim.errors import ScenarioError
from sim.model.accounts import OrderAccounts
from sim.model.component import Ports, Receiver
from sim.model.environment import SimulationEnvironment
from sim.model.link import NetworkLink
from sim.model.matching import MatchingEngine
from sim.model.recorder import OrderRecorder
from sim.scenario.inject import (
    InjectedOrder,
    InjectedOrderConfig,
    InjectedSide,
    InjectedType,
    expand_injections,
)


class OrderInjector(Ports):
    """Sends the injected orders at ``origin + at`` (each order of a ``count`` train at its own).

    Args:
        env: The simulation environment.
        orders: The scenario's ``[[inject]]`` entries.
        source_code: Index of ``"inject"`` in the recorder's ``sources``.
        recorder: Per-order columns.
        engine: The matching engine (its books price ``price_offset_bps`` orders).
    """

    outputs = ("send",)
    send: Receiver
    """Where each injected order is sent (its client link's ``send``)."""

    def __init__(
        self,
        env: SimulationEnvironment,
        orders: Sequence[InjectedOrderConfig],
        source_code: int,
        recorder: OrderRecorder,
        engine: MatchingEngine,
    ) -> None:
        self.env = env
        self.name = "inject"
        self.orders: list[InjectedOrder] = expand_injections(orders)
        """Every order to send (an entry with ``count`` expanded), in scenario order."""
        self.source_code = source_code
        self.recorder = recorder
        self.engine = engine
        self.accounts = OrderAccounts(recorder)
        self.seqs: list[int] = []
        """Sequence numbers of the orders sent so far, in send order."""
        self.sent = 0
        self.init_outputs()

    def connect(self, link: NetworkLink) -> None:
        """Send injected orders over ``link``."""
        self.send = link.send

    @property
    def scheduled_events(self) -> int:
        """One timeout per order sent."""
        return self.sent

    def start(self, origin_ns: int) -> None:
        """Schedule every order at ``origin_ns + at`` (ties keep the expanded order)."""
        now = self.env.now
        for index in sorted(range(len(self.orders)), key=lambda i: self.orders[i].at):
            delay = max(0, origin_ns + self.orders[index].at - now)
            self.env.timeout(delay).callbacks.append(partial(self._inject, index))

    def _inject(self, index: int, _event: simpy.Event) -> None:
        sent = self.orders[index]
        order = sent.config
        recorder = self.recorder
        symbol = recorder.symbol_code(order.symbol)
        self.engine.ensure_books(len(recorder.symbols))
        market = order.type is InjectedType.MARKET
        price = NO_PRICE if market else self._price(sent.index, order, symbol)
        seq = recorder.append_order(
            self.source_code, self.env.now, symbol,
            OrderAction.MARKET if market else OrderAction.ADD, index + 1,
            1 if order.side is InjectedSide.BUY else -1, price, sent.qty,
        )
        recorder.columns["account"][seq] = self.accounts.code(order.account)
        self.seqs.append(seq)
        self.sent += 1
        self.send(seq)

    def _price(self, index: int, order: InjectedOrderConfig, symbol: int) -> int:
        if order.price is not None:
            return order.price
        book = self.engine.books[symbol]
        bid, ask = book.best_bid(), book.best_ask()
        reference = (bid + ask) // 2 if bid is not None and ask is not None else bid or ask
        if reference is None:
            raise ScenarioError(
                f"inject[{index}].price_offset_bps: the {order.symbol} book is empty at "
                f"{self.env.now} ns, so there is no price to offset; give an absolute price"
            )
        offset = order.price_offset_bps or 0
        return reference * (BPS + offset) // BPS

    def stats(self) -> dict[str, int]:
        """Counters: orders sent."""
        return {"sent": self.sent}
