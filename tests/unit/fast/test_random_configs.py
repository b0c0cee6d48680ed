"""Random small platforms: the fast engine's stamps equal the SimPy engine's, or it refuses.

The only refusal allowed is a same-nanosecond tie whose order the fast engine cannot
establish (``AmbiguousOrderError``); everything else must match to the nanosecond.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.fast.queues import AmbiguousOrderError
from sim.scenario.loader import scenario_from_dict

SERVICES = st.sampled_from([
    {"kind": "constant", "value": 4_000},
    {"kind": "exponential", "mean": 5_000},
    {"kind": "uniform", "low": 1_000, "high": 12_000},
    {"kind": "lognormal", "mean": 6_000, "sigma": 0.5},
])
LATENCIES = st.sampled_from([
    {"kind": "constant", "value": 5_000},
    {"kind": "constant", "value": 0},
    {"kind": "normal", "mean": 20_000, "std": 4_000},
    {"kind": "uniform", "low": 0, "high": 30_000},
])
STAGE = st.fixed_dictionaries({
    "workers": st.integers(1, 3), "service": SERVICES,
    "queue_capacity": st.sampled_from([3, 8, 100_000]),
    "ordering": st.sampled_from(["session", "none"]),
})
AMBIGUOUS: list[str] = []
"""Refusals met (a tie the fast engine cannot order), for the test below to bound."""
LINK_NAMES = ("client_to_gateway", "gateway_to_risk", "risk_to_matching", "matching_to_client",
              "market_data")


@st.composite
def platforms(draw: st.DrawFn) -> dict[str, Any]:
    """A topology: three order stages, a publisher and five links."""
    topology: dict[str, Any] = {name: draw(STAGE) for name in ("gateway", "risk", "matching")}
    topology["publisher"] = {"workers": draw(st.integers(1, 2)), "service": draw(SERVICES)}
    topology["links"] = {name: {"latency": draw(LATENCIES)} for name in LINK_NAMES}
    return {"seed": draw(st.integers(0, 1_000)), "topology": topology,
            "risk": {"max_order_qty": draw(st.sampled_from([200, 400, 10_000]))}}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=platforms())
def test_random_platform_gives_equal_stamps(config: dict[str, Any], small_ticks: Path,
                                            engines: SimpleNamespace) -> None:
    """Workers 1-3, both orderings, bounded queues, four service and latency kinds."""
    raw = {"name": "random", "data": {"sources": [
        {"name": "clients", "path": str(small_ticks), "route": "full"}]}, **config}
    scenario = scenario_from_dict(raw)
    try:
        simpy, fast = engines.both(scenario)
    except AmbiguousOrderError as error:
        AMBIGUOUS.append(str(error))
        assume(False)
        return
    assert engines.differences(simpy, fast) == []
