"""The risk engine: a stage whose service ends with the pre-trade checks of ``sim.core.risk``.

An order that fails a check is rejected at the risk stage (after its service
time: checking takes time) with the check's reason, and its execution report
goes back over the ``matching_to_client`` link. Cancels carry no quantity
limit; modifies are checked with their new price and size. Market orders skip
the notional check (no reference price yet).
"""

from __future__ import annotations

from collections.abc import Callable

from sim.core.risk import OrderLimits, check_order
from sim.model.environment import SimulationEnvironment
from sim.model.recorder import CANCEL, NULL, RISK, OrderRecorder
from sim.model.sampling import DurationSampler
from sim.model.server import Stage, StageStamps
from sim.scenario.schema import RiskConfig, StageConfig


class RiskEngine(Stage):
    """Risk stage stamping ``ts_risk_{in,start,out}_ns`` and applying fat-finger limits.

    Args:
        env: The simulation environment.
        config: Workers, service distribution and queue capacity.
        service: Service-time sampler.
        recorder: Per-order columns.
        risk: Limits; ``enabled = false`` passes everything (the stage still takes time).
        price_scale: Price units per currency unit (for the notional limit).
    """

    def __init__(
        self,
        env: SimulationEnvironment,
        config: StageConfig,
        service: DurationSampler,
        recorder: OrderRecorder,
        risk: RiskConfig,
        price_scale: int,
    ) -> None:
        stamps = StageStamps(
            recorder.view("ts_risk_in_ns"),
            recorder.view("ts_risk_start_ns"),
            recorder.view("ts_risk_out_ns"),
        )
        super().__init__(env, "stage.risk", config, service, stamps)
        self.recorder = recorder
        self.limits = OrderLimits(risk.max_order_qty, risk.max_notional, price_scale)
        self.checking = risk.enabled and (
            risk.max_order_qty is not None or risk.max_notional is not None
        )
        # Fast bounds: an order within both never needs the full check.
        unlimited = 2**127
        self._qty_bound = unlimited if risk.max_order_qty is None else risk.max_order_qty
        self._notional_bound = (
            unlimited if risk.max_notional is None else risk.max_notional * price_scale
        )
        self._forward: Callable[[int], None] | None = None
        self._report: Callable[[int], None] | None = None
        self._action = recorder.view("action")
        self._price = recorder.view("price")
        self._qty = recorder.view("qty")

    def connect_outputs(
        self, forward: Callable[[int], None], report: Callable[[int], None]
    ) -> None:
        """Send passing orders to ``forward`` and reports of rejected ones to ``report``."""
        self._forward = forward
        self._report = report
        self.connect(self._served if self.checking else forward, self._refuse)

    def _served(self, seq: int) -> None:
        qty = self._qty[seq]
        if qty > self._qty_bound or self._price[seq] * qty > self._notional_bound:
            reason = self._check(seq)
            if reason is not None:
                self.count_reject(reason)
                self._refuse(seq, reason)
                return
        self._forward(seq)  # type: ignore[misc]

    def _check(self, seq: int) -> str | None:
        """The full check (``sim.core.risk``) for an order the fast bounds flagged."""
        if self._action[seq] == CANCEL:
            return None
        price, qty = self._price[seq], self._qty[seq]
        reason = check_order(
            self.limits, None if price == NULL else price, None if qty == NULL else qty
        )
        return None if reason is None else reason.value

    def _refuse(self, seq: int, reason: str) -> None:
        self.recorder.reject(seq, RISK, reason)
        self._report(seq)  # type: ignore[misc]
