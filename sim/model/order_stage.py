"""A stage on the order path (gateway, risk, matching): refusals become execution reports.

Each order stage stamps its ``ts_<stage>_{in,start,out}_ns`` columns, and an
order it refuses (a full queue, or its own check) is marked rejected at that
stage in the recorder and its execution report goes out on ``report``.
"""

from __future__ import annotations

from sim.core.vocabulary import RejectReason
from sim.model.component import Receiver
from sim.model.environment import SimulationEnvironment
from sim.model.recorder import STAGE_NAMES, OrderRecorder
from sim.model.sampling import DurationSampler
from sim.model.server import Stage, StageStamps
from sim.scenario.schema import StageConfig


class OrderStage(Stage):
    """A :class:`Stage` whose items are orders: served ones go on, refused ones are reported.

    Args:
        env: The simulation environment.
        stage: ``gateway``, ``risk`` or ``matching`` (scope ``stage.<stage>``).
        config: Workers, service distribution and queue capacity.
        service: Service-time sampler.
        recorder: Per-order columns.
    """

    outputs = ("forward", "report")
    forward: Receiver
    """Where a served order goes next."""
    report: Receiver
    """Where an order's execution report goes (the ``matching_to_client`` link)."""

    def __init__(
        self,
        env: SimulationEnvironment,
        stage: str,
        config: StageConfig,
        service: DurationSampler,
        recorder: OrderRecorder,
    ) -> None:
        super().__init__(env, f"stage.{stage}", config, service, StageStamps.of(recorder, stage))
        self.recorder = recorder
        self._stage_code = STAGE_NAMES.index(stage)
        self.init_outputs()

    def connect_outputs(self, forward: Receiver, report: Receiver) -> None:
        """Send served orders to ``forward`` and reports of refused ones to ``report``."""
        self.forward = forward
        self.report = report
        self.connect(self._served_to(), self._refuse)

    def _served_to(self) -> Receiver:
        """What a served order is handed to: ``forward``, or the subclass's check first."""
        return self.forward

    def _refuse(self, seq: int, reason: RejectReason) -> None:
        """Mark ``seq`` rejected here for ``reason`` and send its execution report."""
        self.recorder.reject(seq, self._stage_code, reason)
        self.report(seq)

    def _refuse_counted(self, seq: int, reason: RejectReason) -> None:
        """Count and refuse ``seq`` for a check of the stage's own (not a full queue)."""
        self.count_reject(reason)
        self._refuse(seq, reason)
