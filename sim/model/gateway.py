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

from functools import partial

from sim.core.token_bucket import TokenBuckets
from sim.core.vocabulary import RejectReason
from sim.model.accounts import OrderAccounts
from sim.model.component import Receiver
from sim.model.environment import SimulationEnvironment
from sim.model.order_stage import OrderStage
from sim.model.recorder import OrderRecorder
from sim.model.sampling import DurationSampler
from sim.scenario.schema import GatewayConfig, StageConfig


class OrderGateway(OrderStage):
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
        super().__init__(env, "gateway", config, service, recorder)
        limit = config.rate_limit if isinstance(config, GatewayConfig) else None
        self.buckets = None if limit is None else TokenBuckets(limit.rate_per_s, limit.burst)
        self._accounts = OrderAccounts(recorder)

    def _served_to(self) -> Receiver:
        """Straight on, or through the rate limit when there is one."""
        return self.forward if self.buckets is None else partial(self._rate_limited, self.buckets)

    def _rate_limited(self, buckets: TokenBuckets, seq: int) -> None:
        """Pass ``seq`` on if its account's bucket has a token, else refuse it."""
        if buckets.take(self._accounts.name(seq), self.env.now):
            self.forward(seq)
            return
        self._refuse_counted(seq, RejectReason.RATE_LIMITED)
