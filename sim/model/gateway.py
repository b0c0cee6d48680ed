"""The order gateway: the first stage every routed order passes (parse, rate limit).

Served orders go on to the risk engine's link; an order the full queue turns
away is rejected at the gateway and its execution report goes back to the
client over the ``matching_to_client`` link, like every other report (the
platform has one report path back to clients).

With ``topology.gateway.rate_limit`` set, each account has a token bucket
(:class:`sim.core.token_bucket.TokenBuckets`); an order served when its
account's bucket is empty is rejected ``rate_limited`` at the end of its service
(parsing comes first: the gateway must read the order to know its account).
"""

from __future__ import annotations

from collections.abc import Callable

from sim.core.token_bucket import TokenBuckets
from sim.core.vocabulary import RejectReason
from sim.model.accounts import OrderAccounts
from sim.model.environment import SimulationEnvironment
from sim.model.recorder import GATEWAY, OrderRecorder
from sim.model.sampling import DurationSampler
from sim.model.server import Stage, StageStamps
from sim.scenario.schema import GatewayConfig, StageConfig


class OrderGateway(Stage):
    """Gateway stage stamping ``ts_gateway_{in,start,out}_ns``.

    Args:
        env: The simulation environment.
        config: Workers, service distribution, queue capacity and optional rate limit.
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
        super().__init__(env, "stage.gateway", config, service,
                         StageStamps.of(recorder, "gateway"))
        self.recorder = recorder
        limit = config.rate_limit if isinstance(config, GatewayConfig) else None
        self.buckets = None if limit is None else TokenBuckets(limit.rate_per_s, limit.burst)
        self._accounts = OrderAccounts(recorder)
        self._forward: Callable[[int], None] | None = None
        self._report: Callable[[int], None] | None = None

    def connect_outputs(
        self, forward: Callable[[int], None], report: Callable[[int], None]
    ) -> None:
        """Send served orders to ``forward`` and reports of rejected ones to ``report``."""
        self._forward = forward
        self._report = report
        self.connect(forward if self.buckets is None else self._served, self._refuse)

    def _served(self, seq: int) -> None:
        if self.buckets.take(self._accounts.name(seq), self.env.now):  # type: ignore[union-attr]
            self._forward(seq)  # type: ignore[misc]
            return
        self.count_reject(RejectReason.RATE_LIMITED)
        self._refuse(seq, RejectReason.RATE_LIMITED)

    def _refuse(self, seq: int, reason: RejectReason) -> None:
        self.recorder.reject(seq, GATEWAY, reason)
        self._report(seq)  # type: ignore[misc]
