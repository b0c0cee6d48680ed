"""Matching-engine failover: detection, recovery from snapshot + WAL, resends, conservation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.core.book_image import BookImage
from sim.errors import ScenarioError
from sim.model.platform import Platform
from sim.model.testing import constant_topology, synthetic_orders
from sim.report.summary import order_figures
from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import Scenario

LINK_NS = 10_000
RESEND_NS = 2_000_000
AT_NS = 150_000_123
"""Failure time after the data start (odd ns: no other event happens exactly then)."""
STANDBY: dict[str, Any] = {
    "heartbeat_interval": "1ms", "missed_beats": 3, "snapshot_load": "3ms",
    "replay_rate": 1_000_000, "redirect": "1ms", "retransmit_timeout": RESEND_NS,
}


def _scenario(failover: bool) -> Scenario:
    topology = constant_topology(link=LINK_NS)
    topology["audit"] = {"write": {"kind": "constant", "value": "15us"},
                         "snapshot_interval": "40ms"}
    topology["standbys"] = {"matching": STANDBY}
    sources = [{"name": "clients", "path": "c.parquet", "route": "full"},
               {"name": "venue", "path": "v.parquet", "route": "direct"}]
    body: dict[str, Any] = {"name": "t", "seed": 3, "data": {"sources": sources},
                            "topology": topology}
    if failover:
        body["faults"] = [{"kind": "failover", "target": "matching", "at": AT_NS}]
    return Scenario.model_validate(body)


CLIENTS = synthetic_orders(6_000, seed=1, symbols=2, rate_per_s=20_000)
VENUE = synthetic_orders(6_000, seed=2, symbols=2, rate_per_s=20_000)
ORIGIN_NS = int(min(CLIENTS.ts_ns[0], VENUE.ts_ns[0]))
"""The data start: heartbeats, snapshots and the failure time count from here."""


def _platform(failover: bool) -> Platform:
    return Platform(_scenario(failover), {"clients": [CLIENTS], "venue": [VENUE]}, 12_000)


@pytest.fixture(scope="module")
def failover_run() -> tuple[Platform, Any]:
    platform = _platform(failover=True)
    return platform, platform.run()


def test_outage_timeline_follows_heartbeats_snapshot_and_replay(
    failover_run: tuple[Platform, Any],
) -> None:
    figures = failover_run[1].components["failover.matching"]
    origin = ORIGIN_NS
    failed = origin + AT_NS
    assert figures["failed_at_ns"] == failed
    first_missed = origin + 151_000_000  # beats every 1 ms from the data start
    assert figures["detected_at_ns"] == first_missed + 2_000_000
    assert figures["snapshot_at_ns"] == origin + 120_000_000  # last 40 ms boundary
    records = figures["wal_records_replayed"]
    assert records > 100
    assert figures["replay_ns"] == -(-records * 1_000_000_000 // 1_000_000)
    assert figures["recovered_at_ns"] == (figures["detected_at_ns"] + 3_000_000
                                          + figures["replay_ns"])
    assert figures["outage_end_ns"] == figures["recovered_at_ns"] + 1_000_000


def test_promoted_books_equal_a_no_fault_run_at_the_same_point(
    failover_run: tuple[Platform, Any],
) -> None:
    platform, result = failover_run
    figures = result.components["failover.matching"]
    plain = _platform(failover=False)
    probe: list[tuple[int, list[tuple[str, BookImage]]]] = []

    def look(_event: Any) -> None:
        probe.append((plain.matching.journal.journaled, plain.matching.book_image()))

    plain.env.timeout(figures["failed_at_ns"]).callbacks.append(look)
    plain.run()
    ((journaled, image),) = probe
    assert journaled == figures["wal_records_at_failure"]
    assert platform.failovers["matching"].promoted_image == image
    resting = sum(len(bids) + len(asks) for _symbol, (bids, asks, _stops) in image)
    assert resting > 100  # a real book, rebuilt from a snapshot 30 ms old plus the WAL


def test_nothing_is_lost_across_the_failover(failover_run: tuple[Platform, Any]) -> None:
    result = failover_run[1]
    orders: pa.Table = result.orders
    figures = result.components["failover.matching"]
    assert order_figures(orders)["lost"] == 0
    frame = orders.to_pandas()
    assert frame.outcome.notna().all()
    accepted = frame[frame.action.isin(["add", "market"]) & frame.reject_reason.isna()]
    assert (accepted.qty == accepted.filled_qty + accepted.cancelled_qty
            + accepted.resting_qty).all()
    fills = result.fills.to_pandas()
    by_seq = (fills.groupby("maker_seq").qty.sum().add(
        fills.groupby("taker_seq").qty.sum(), fill_value=0))
    filled = frame.set_index("order_seq").filled_qty
    assert (by_seq.reindex(filled.index, fill_value=0).astype(int) == filled).all()
    assert figures["messages_lost"] >= figures["orders_delayed"] > 20
    assert figures["retransmits"] == figures["messages_lost"]
    assert int((frame.outage_delay_ns > 0).sum()) == figures["orders_delayed"]


def test_lost_orders_are_resent_every_timeout_and_arrive_after_the_outage(
    failover_run: tuple[Platform, Any],
) -> None:
    result = failover_run[1]
    figures = result.components["failover.matching"]
    frame = result.orders.to_pandas()
    held = frame[frame.outage_delay_ns > 0]
    assert (held.ts_matching_in_ns >= figures["outage_end_ns"]).all()
    travel = held.ts_matching_in_ns - held.ts_risk_out_ns - LINK_NS
    assert (travel % RESEND_NS == 0).all()  # resent at sent + 2, 6, 14 ms (x2 backoff), one hop
    assert (travel > 0).all()
    untouched = frame[(frame.outage_delay_ns == 0) & frame.ts_matching_in_ns.notna()]
    assert (untouched.ts_matching_in_ns - untouched.ts_risk_out_ns == LINK_NS).all()


def test_failover_runs_are_deterministic(failover_run: tuple[Platform, Any]) -> None:
    first = failover_run[1]
    second = _platform(failover=True).run()
    assert second.orders.equals(first.orders)
    assert second.fills.equals(first.fills)
    assert second.components == first.components


def test_audit_log_adds_its_write_time_before_the_ack(failover_run: tuple[Platform, Any]) -> None:
    result = failover_run[1]
    frame = result.orders.to_pandas()
    served = frame[(frame.outage_delay_ns == 0) & frame.ts_matching_out_ns.notna()]
    wal = served.ts_matching_out_ns - served.ts_matching_start_ns - 2_000
    assert (wal >= 15_000).all()  # its own 15 us write, after 2 us of matching
    assert (wal <= 30_000).all()  # group commit: at most one write in progress ahead of it
    assert (wal > 15_000).any()


def test_audit_log_records_every_order_and_every_execution() -> None:
    plain = _platform(failover=False)
    result = plain.run()
    audit = result.components["audit"]
    assert audit["order_records"] == result.components["stage.matching"]["served"]
    model_takers = int(result.fills.column("taker_seq").is_valid().to_numpy().sum())
    assert audit["execution_records"] == model_takers > 0  # trades of model orders' matching
    assert audit["busy_ns"] == audit["writes"] * 15_000
    assert 1 < audit["max_batch"] <= 256  # group commit batched some writes


SENT_COLUMN = {"gateway": "ts_sent_ns", "risk": "ts_gateway_out_ns"}
"""When the sender sent each order towards the stage."""


@pytest.mark.parametrize("target", ["gateway", "risk"])
def test_stateless_stage_fails_over_to_a_hot_standby_losing_nothing(target: str) -> None:
    topology = constant_topology(link=LINK_NS)
    topology["standbys"] = {target: STANDBY}
    body: dict[str, Any] = {
        "name": "t", "seed": 3, "topology": topology,
        "data": {"sources": [{"name": "clients", "path": "c.parquet", "route": "full"}]},
        "faults": [{"kind": "failover", "target": target, "at": AT_NS}],
    }
    result = Platform(Scenario.model_validate(body), {"clients": [CLIENTS]}, 6_000).run()
    figures = result.components[f"failover.{target}"]
    origin = int(CLIENTS.ts_ns[0])
    detected = origin + -(-AT_NS // 1_000_000) * 1_000_000 + 2_000_000
    assert (figures["failed_at_ns"], figures["detected_at_ns"]) == (origin + AT_NS, detected)
    assert (figures["wal_records_replayed"], figures["replay_ns"]) == (0, 0)
    assert figures["recovered_at_ns"] == detected + 3_000_000  # snapshot_load: taking over
    assert figures["outage_end_ns"] == detected + 4_000_000
    frame = result.orders.to_pandas()
    assert order_figures(result.orders)["lost"] == 0
    assert frame.outcome.notna().all()
    held = frame[frame.outage_delay_ns > 0]
    assert len(held) == figures["orders_delayed"] > 20
    arrived = held[f"ts_{target}_in_ns"]
    assert (arrived >= figures["outage_end_ns"]).all()
    travel = arrived - held[SENT_COLUMN[target]] - LINK_NS
    assert (travel % RESEND_NS == 0).all()
    assert (travel > 0).all()


@pytest.mark.parametrize(
    ("standbys", "audit", "targets", "message"),
    [
        ((), True, ["matching"],
         "faults[0].target: failover of 'matching' needs a standby; "
         "add [topology.standbys.matching]"),
        (("matching",), False, ["matching"],
         "faults[0].target: failover of 'matching' replays the write-ahead log; "
         "add [topology.audit]"),
        (("matching",), True, ["publisher"],
         "faults[0].target: 'publisher' cannot fail over; use one of gateway, risk, matching"),
        (("matching",), True, ["risk"],
         "faults[0].target: failover of 'risk' needs a standby; add [topology.standbys.risk]"),
        (("risk",), False, ["risk", "risk"],
         "faults[1].target: 'risk' already fails over in faults[0]; "
         "one failover per component and run"),
    ],
)
def test_bad_failover_is_refused_by_the_schema_naming_the_key(
    standbys: tuple[str, ...], audit: bool, targets: list[str], message: str
) -> None:
    topology: dict[str, Any] = {"standbys": {name: {} for name in standbys}}
    if audit:
        topology["audit"] = {}
    faults = [{"kind": "failover", "target": target, "at": "1s"} for target in targets]
    raw = {"name": "t", "data": {"sources": [{"path": "c.parquet"}]}, "topology": topology,
           "faults": faults}
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(raw, source="f.toml")
    assert str(caught.value) == f"f.toml: invalid scenario: {message}"


FAILOVER_TOML = '[[faults]]\nkind = "failover"\ntarget = "matching"\nat = "50ms"\n'
STANDBY_TOML = '[topology.standbys.matching]\nheartbeat_interval = "1ms"\n'


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (FAILOVER_TOML + '[topology.audit]\n', "add [topology.standbys.matching]"),
        (FAILOVER_TOML + STANDBY_TOML, "add [topology.audit]"),
        (FAILOVER_TOML.replace("matching", "publisher") + STANDBY_TOML + "[topology.audit]\n",
         "'publisher' cannot fail over"),
        (FAILOVER_TOML * 2 + STANDBY_TOML + "[topology.audit]\n", "already fails over"),
    ],
)
def test_cli_refuses_a_failover_it_cannot_run_and_writes_nothing(
    tmp_path: Path, make_scenario: Any, extra: str, named: str
) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(make_scenario(extra)), "--out", str(out)])
    assert result.exit_code == 2
    assert re.search(r"faults\[[01]\]\.target", result.output)
    assert named in result.output
    assert not out.exists()


def test_small_failover_run_through_the_cli_loses_nothing(
    tmp_path: Path, make_scenario: Any
) -> None:
    out = tmp_path / "run"
    scenario = make_scenario(FAILOVER_TOML + STANDBY_TOML + "[topology.audit]\n")
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["orders"]["lost"] == 0
    figures = summary["components"]["failover.matching"]
    assert figures["failed_at_ns"] == summary["sim_start_ns"] + 50_000_000
    assert (out / "report.html").is_file()



GATEWAY_OUTAGE_TOML = (
    '[[faults]]\nkind = "failover"\ntarget = "gateway"\nat = "50ms"\n'
    '[topology.standbys.gateway]\nheartbeat_interval = "1ms"\nretransmit_timeout = "2ms"\n'
    '[[inject]]\nat = "51ms"\naccount = "late"\nsymbol = "AA"\nside = "buy"\nqty = 100\n'
    'type = "limit"\nprice_offset_bps = -100\ncount = 3\nevery = "1ms"\n'
)


def test_injected_orders_caught_by_a_gateway_outage_are_resent_on_their_own_link(
    tmp_path: Path, make_scenario: Any
) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(make_scenario(GATEWAY_OUTAGE_TOML)),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["orders"]["lost"] == 0
    outage = summary["failover"]["gateway"]["outage"]
    components = summary["components"]
    assert components["link.client_to_gateway.inject.resend"]["messages"] >= 3
    plain_resends = components["link.client_to_gateway.resend"]["messages"]
    assert plain_resends + components["link.client_to_gateway.inject.resend"]["messages"] == (
        summary["failover"]["gateway"]["retransmits"])
    orders = pq.read_table(out / "orders.parquet").to_pandas()
    injected = orders[orders.source == "inject"]
    assert len(injected) == 3
    assert (injected.outage_delay_ns > 0).all()  # all three sent into the outage
    assert (injected.ts_gateway_in_ns >= outage["end_ns"]).all()
    assert injected.outcome.notna().all()
