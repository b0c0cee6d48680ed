"""The order gateway: the first stage every routed order passes (parse, later rate limits).

Served orders go on to the risk engine's link; an order the full queue turns
away is rejected at the gateway and its execution report goes back to the
client over the ``matching_to_client`` link, like every other report (the
platform has one report path back to clients).
"""

from __future__ import annotations

from collections.abc import Callable

from sim.model.environment import SimulationEnvironment
from sim.model.recorder import GATEWAY, OrderRecorder
from sim.model.sampling import DurationSampler
from sim.model.server import Stage, StageStamps
from sim.scenario.schema import StageConfig


class OrderGateway(Stage):
    """Gateway stage stamping ``ts_gateway_{in,start,out}_ns``.

    Args:
        env: The simulation environment.
        config: Workers, service distribution and queue capacity.
        service: Service-time sampler.
        recorder: Per-order columns.
    """

    def __init__(
        self,
        env: SimulationEnvironment,
        config: StageConfig,
        service: DurationSampler,
        recorder: OrderRecorder,
    ) -> None:
        stamps = StageStamps(
            recorder.view("ts_gateway_in_ns"),
            recorder.view("ts_gateway_start_ns"),
            recorder.view("ts_gateway_out_ns"),
        )
        super().__init__(env, "stage.gateway", config, service, stamps)
        self.recorder = recorder
        self._report: Callable[[int], None] | None = None

    def connect_outputs(
        self, forward: Callable[[int], None], report: Callable[[int], None]
    ) -> None:
        """Send served orders to ``forward`` and reports of rejected ones to ``report``."""
        self._report = report
        self.connect(forward, self._refuse)

    def _refuse(self, seq: int, reason: str) -> None:
        self.recorder.reject(seq, GATEWAY, reason)
        self._report(seq)  # type: ignore[misc]
