"""The fast engine (``engine = "fast"``): a run's order path computed as arrays.

For scenarios whose order path is links and FIFO stages without feedback, every
stage's departures follow from its arrivals and service draws alone (Lindley's
recursion), every link's deliveries from its sends and latency draws, and the books
need only the order in which matching serves orders. :mod:`sim.fast.engine`
computes them stage by stage, drawing from the same named streams in the same order
as the SimPy engine, so per-order stamps, tables and digest are equal to the
nanosecond (``tests/unit/fast``). What it cannot reproduce exactly it refuses with a
one-line reason (:func:`fast_engine_refusal`) rather than approximating.
"""

from __future__ import annotations

from sim.data.reader import SourceInfo
from sim.fast.refusal import fast_engine_refusal
from sim.model.platform import RunResult
from sim.scenario.schema import Scenario

__all__ = ["fast_engine_refusal", "simulate_fast"]


def simulate_fast(scenario: Scenario, infos: list[SourceInfo]) -> RunResult:
    """``sim.runner.simulate`` on the fast engine: the same tables, or a one-line refusal.

    Raises:
        ScenarioError: ``scenario`` (or its data) needs the SimPy engine; says why.
    """
    from sim.runner import simulate  # the runner dispatches here; import at call time

    return simulate(scenario.model_copy(update={"engine": "fast"}), infos)
