"""Scheduled faults: a degraded link's ``extra_loss`` and the timed ``kill_switch``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from sim.errors import ScenarioError
from sim.model.environment import SimulationEnvironment
from sim.model.link import NetworkLink, build_link
from sim.model.platform import Platform, run_platform
from sim.model.testing import constant_topology, events, synthetic_orders
from sim.runner import fault_windows, run_scenario
from sim.scenario import load_scenario
from sim.scenario.distributions import ConstantDist
from sim.scenario.faults import KillSwitchFault, LinkDegradeFault
from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import LinkConfig, Scenario

MS = 1_000_000
LATENCY = 1_000
WINDOW = (10 * MS, 30 * MS)


def _lossy_link(env: SimulationEnvironment, loss: float = 0.0) -> NetworkLink:
    """A non-FIFO link (so no message waits behind another) with a 1ms retransmit delay."""
    config = LinkConfig(latency=ConstantDist(value=LATENCY), fifo=False, loss=loss,
                        retransmit_delay=MS)
    return build_link(env, "link.test", config, np.random.default_rng(5))


def _delays(link: NetworkLink, env: SimulationEnvironment, sends: list[int]) -> np.ndarray:
    """Delivery minus send time of each message, in send order."""
    arrivals: dict[int, int] = {}
    link.connect(lambda item: arrivals.__setitem__(item, env.now))
    for item, sent in enumerate(sends):
        link.send_at(sent, item)
    env.run()
    assert len(arrivals) == len(sends)  # nothing lost for good
    return np.array([arrivals[item] - sent for item, sent in enumerate(sends)])


def test_extra_loss_adds_whole_retransmit_delays_with_the_geometric_mean() -> None:
    env = SimulationEnvironment(0)
    link = _lossy_link(env)
    link.add_fault_window(*WINDOW, latency_multiplier=1, extra_loss=0.5)
    before = list(range(0, WINDOW[0], 1_000))
    inside = list(range(WINDOW[0], WINDOW[1], 1))[:20_000]
    after = list(range(WINDOW[1], WINDOW[1] + 5 * MS, 1_000))
    delays = _delays(link, env, before + inside + after)
    outside = np.concatenate([delays[: len(before)], delays[len(before) + len(inside):]])
    assert (outside == LATENCY).all()  # messages sent outside the window are on time
    lost = (delays[len(before): len(before) + len(inside)] - LATENCY)
    assert (lost % MS == 0).all()  # late by exact multiples of retransmit_delay
    attempts = lost // MS
    assert link.retransmits == attempts.sum()
    assert link.stats()["retransmits"] == attempts.sum()
    # geometric on {0, 1, ...} with p = 0.5: mean 1 (std of the mean ~0.01), P(0) = 1/2
    assert attempts.mean() == pytest.approx(1.0, abs=0.05)
    assert (attempts == 0).mean() == pytest.approx(0.5, abs=0.02)
    assert (attempts == 1).mean() == pytest.approx(0.25, abs=0.02)


def test_extra_loss_leaves_the_links_own_draws_alone() -> None:
    sends = list(range(0, 40 * MS, 1_000))
    plain_env, faulty_env = SimulationEnvironment(0), SimulationEnvironment(0)
    plain, faulty = _lossy_link(plain_env, loss=0.3), _lossy_link(faulty_env, loss=0.3)
    faulty.add_fault_window(*WINDOW, extra_loss=0.5)
    without = _delays(plain, plain_env, sends)
    with_fault = _delays(faulty, faulty_env, sends)
    inside = (np.array(sends) >= WINDOW[0]) & (np.array(sends) < WINDOW[1])
    assert (with_fault[~inside] == without[~inside]).all()  # same own-loss draws outside
    assert (with_fault[inside] >= without[inside]).all()  # the fault only adds attempts
    assert (with_fault[inside] > without[inside]).any()


def test_extra_loss_combines_independently_with_the_links_own_loss() -> None:
    env = SimulationEnvironment(0)
    link = _lossy_link(env, loss=0.2)
    link.add_fault_window(0, 10**12, extra_loss=0.5)
    attempts = (_delays(link, env, list(range(20_000))) - LATENCY) // MS
    # each attempt gets through with 0.8 * 0.5 = 0.4: mean lost 0.6 / 0.4 = 1.5 (std ~0.014)
    assert attempts.mean() == pytest.approx(1.5, abs=0.07)
    assert (attempts == 0).mean() == pytest.approx(0.4, abs=0.02)


def test_a_link_without_retransmit_delay_refuses_extra_loss() -> None:
    env = SimulationEnvironment(0)
    config = LinkConfig(latency=ConstantDist(value=LATENCY))
    link = build_link(env, "link.test", config, np.random.default_rng(0))
    with pytest.raises(ValueError, match="retransmit_delay"):
        link.add_fault_window(0, 10, extra_loss=0.1)
    assert isinstance(link, NetworkLink)


def _scenario(body: dict[str, Any], faults: list[dict[str, Any]] | None = None) -> Scenario:
    data = {"sources": [{"name": "clients", "path": "clients.parquet", "route": "full"}]}
    raw: dict[str, Any] = {"name": "test", "seed": 7, "data": data, **body}
    if faults:
        raw["faults"] = faults
    return Scenario.model_validate(raw)


def _shaped_topology() -> dict[str, Any]:
    """Random latencies and a lossy gateway_to_risk, so any stray draw would show."""
    topology = constant_topology(workers=4)
    for link in topology["links"].values():
        link["latency"] = {"kind": "exponential", "mean": "20us"}
    topology["links"]["gateway_to_risk"].update(loss=0.1, retransmit_delay="1ms")
    return topology


def test_zero_extra_loss_draws_nothing_and_changes_no_result() -> None:
    orders = synthetic_orders(3_000, seed=3)
    degrade = {"kind": "link_degrade", "link": "gateway_to_risk", "at": "20ms",
               "duration": "30ms", "latency_multiplier": 1}
    plain = run_platform(_scenario({"topology": _shaped_topology()}), [[orders]], 3_000)
    zero = run_platform(_scenario({"topology": _shaped_topology()},
                                  [{**degrade, "extra_loss": 0}]), [[orders]], 3_000)
    assert zero.orders.equals(plain.orders)
    assert zero.components == plain.components
    lossy = run_platform(_scenario({"topology": _shaped_topology()},
                                   [{**degrade, "extra_loss": 0.5}]), [[orders]], 3_000)
    assert not lossy.orders.equals(plain.orders)
    assert lossy.orders.num_rows == plain.orders.num_rows
    # the link's own lost attempts plus those of the window
    plain_retransmits = plain.components["link.gateway_to_risk"]["retransmits"]
    assert lossy.components["link.gateway_to_risk"]["retransmits"] > plain_retransmits + 200


def test_extra_loss_on_a_constant_link_in_a_platform_run() -> None:
    topology = constant_topology(workers=64)
    topology["links"]["gateway_to_risk"]["retransmit_delay"] = "1ms"
    topology["links"]["gateway_to_risk"]["fifo"] = False
    rows = [(1_000 + 10_000 * i, "add", i + 1, 1, 10_000, 1) for i in range(400)]
    fault = {"kind": "link_degrade", "link": "gateway_to_risk", "at": "1ms",
             "duration": "2ms", "latency_multiplier": 1, "extra_loss": 0.5}
    result = run_platform(_scenario({"topology": topology}, [fault]), [[events(rows)]], 400)
    table = pl.from_arrow(result.orders)
    assert table["reject_reason"].null_count() == 400  # nothing lost, nothing refused
    sent = table["ts_gateway_out_ns"].to_numpy()
    late = table["ts_risk_in_ns"].to_numpy() - sent - 10_000
    in_window = (sent >= 1_000 + MS) & (sent < 1_000 + 3 * MS)
    assert (late[~in_window] == 0).all()
    assert (late[in_window] % MS == 0).all()
    assert late[in_window].sum() // MS == result.components["link.gateway_to_risk"][
        "retransmits"]
    assert 50 < late[in_window].sum() // MS < 350  # 200 messages, mean 1 lost attempt


# -------------------------------------------------------------------- kill switch

def _accounts_batch(rows: list[tuple[Any, ...]], accounts: list[int]) -> Any:
    return replace(events(rows), account=np.array(accounts, dtype=np.int32),
                   accounts=("alice", "bob"))


# Each order reaches the risk check 28us after it is sent (link 10, gateway 5, link 10,
# risk 3). The first event at 1_000 is the origin, so at = 100us starts at 101_000.
START, END = 101_000, 151_000
SENT = [1_000, 72_999, 73_000, 100_000, 122_999, 123_000]


def _kill_run(fault: dict[str, Any], risk: dict[str, Any] | None = None,
              cancel: bool = True) -> pl.DataFrame:
    rows: list[tuple[Any, ...]] = []
    accounts: list[int] = []
    for account in (0, 1):
        for index, sent in enumerate(SENT):
            order_id = 100 * account + index + 1
            if index == 3 and cancel:  # cancels the account's first order inside the window
                rows.append((sent, "cancel", 100 * account + 1, 1, None, None))
            else:
                rows.append((sent, "add", order_id, 1, 10_000, 1))
            accounts.append(account)
    order = sorted(range(len(rows)), key=lambda i: rows[i][0])
    rows, accounts = [rows[i] for i in order], [accounts[i] for i in order]
    topology = constant_topology(workers=16)
    for stage in ("gateway", "risk", "matching"):  # no queueing: the checks at exact times
        topology[stage]["ordering"] = "none"
    body: dict[str, Any] = {"topology": topology}
    if risk is not None:
        body["risk"] = risk
    result = run_platform(_scenario(body, [{"kind": "kill_switch", "at": "100us",
                                            "duration": "50us", **fault}]),
                          [[_accounts_batch(rows, accounts)]], len(rows))
    table = pl.from_arrow(result.orders)
    assert isinstance(table, pl.DataFrame)
    return table.sort("ts_risk_out_ns", "account")


def _killed(table: pl.DataFrame, account: str) -> list[tuple[int, str, str | None]]:
    rows = table.filter(pl.col("account") == account)
    return list(zip(rows["ts_risk_out_ns"].to_list(), rows["action"].to_list(),
                    rows["reject_reason"].to_list(), strict=True))


def test_account_kill_switch_refuses_that_account_in_the_window_only() -> None:
    table = _kill_run({"account": "alice"})
    assert _killed(table, "alice") == [
        (29_000, "add", None),
        (START - 1, "add", None),  # checked 1ns before the switch is engaged
        (START, "add", "kill_switch"),  # exactly at the start: refused
        (128_000, "cancel", None),  # cancels still pass
        (END - 1, "add", "kill_switch"),
        (END, "add", None),  # exactly at the end: released
    ]
    assert table.filter(pl.col("account") == "bob")["reject_reason"].null_count() == len(SENT)


def test_global_kill_switch_refuses_every_account_in_the_window() -> None:
    table = _kill_run({})
    for account in ("alice", "bob"):
        assert [reason for _, _, reason in _killed(table, account)] == [
            None, None, "kill_switch", None, "kill_switch", None
        ]


def test_a_modify_in_the_window_is_refused_like_a_new_order() -> None:
    rows = [(1_000, "add", 1, 1, 10_000, 1), (80_000, "modify", 1, 1, 10_100, 1)]
    fault = {"kind": "kill_switch", "account": "alice", "at": "100us", "duration": "50us"}
    result = run_platform(_scenario({"topology": constant_topology()}, [fault]),
                          [[_accounts_batch(rows, [0, 0])]], 2)
    table = pl.from_arrow(result.orders)
    assert isinstance(table, pl.DataFrame)
    assert table["reject_reason"].to_list() == [None, "kill_switch"]
    assert table["ts_risk_out_ns"].to_list()[1] == 108_000


def test_a_switch_set_from_the_start_stays_on_after_the_window() -> None:
    table = _kill_run({"account": "alice"}, risk={"kill_switch": {"accounts": ["alice"]}},
                      cancel=False)
    assert {reason for _, _, reason in _killed(table, "alice")} == {"kill_switch"}
    assert table.filter(pl.col("account") == "bob")["reject_reason"].null_count() == len(SENT)


def test_overlapping_windows_hold_the_switch_until_the_last_ends() -> None:
    platform = Platform(_scenario({"topology": constant_topology()}), [[events(
        [(1_000, "add", 1, 1, 10_000, 1)])]], 1)
    risk = platform.risk
    risk.schedule_kill_switch(10, 30, "alice")
    risk.schedule_kill_switch(20, 40, "alice")
    seen: list[tuple[int, bool]] = []
    for ts in (9, 10, 29, 30, 39, 40):
        platform.env.timeout(ts).callbacks.append(
            lambda _, ts=ts: seen.append((ts, risk.pretrade.kill_switch_active("alice"))))
    platform.env.run(until=50)
    assert seen == [(9, False), (10, True), (29, True), (30, True), (39, True), (40, False)]


def test_kill_switch_windows_are_listed_with_their_account() -> None:
    scenario = _scenario({}, [
        {"kind": "kill_switch", "account": "acct_7", "at": "2s", "duration": "500ms"},
        {"kind": "kill_switch", "at": "1s", "duration": "1ms"},
    ])
    assert isinstance(scenario.faults[0], KillSwitchFault)
    first, second = fault_windows(scenario, 1_000)
    assert first == {"kind": "kill_switch", "subject": "acct_7", "account": "acct_7",
                     "duration": 500 * MS, "start_ns": 1_000 + 2 * 10**9,
                     "end_ns": 1_000 + 2 * 10**9 + 500 * MS}
    assert (second["subject"], second["account"]) == ("all accounts", None)


def test_zero_extra_loss_stays_out_of_dumps() -> None:
    degrade = {"kind": "link_degrade", "link": "market_data", "at": "1s", "duration": "1ms"}
    assert "extra_loss" not in _scenario({}, [degrade]).model_dump()["faults"][0]
    retransmit = {"topology": {"links": {"market_data": {"retransmit_delay": "1ms"}}}}
    dumped = _scenario(retransmit, [{**degrade, "extra_loss": 0.25}]).model_dump()["faults"][0]
    assert dumped["extra_loss"] == 0.25


# -------------------------------------------------------------------- bad input

BASE: dict[str, Any] = {"name": "s", "data": {"sources": [{"path": "x.parquet"}]}}
RETRANSMIT = {"topology": {"links": {"risk_to_matching": {"retransmit_delay": "1ms"}}}}


FANOUT = {"topology": {"links": {"market_data": {"retransmit_delay": "1ms"}}, "market_data": {
    "subscribers": [{"name": "a", "link": {"retransmit_delay": "1ms"}}, {"name": "b"},
                    {"name": "c"}]}}}


@pytest.mark.parametrize(
    ("fault", "body", "message"),
    [
        ({"kind": "link_degrade", "link": "gateway_to_risk", "extra_loss": 0.2}, RETRANSMIT,
         "faults[1].extra_loss: lost attempts on 'gateway_to_risk' are retransmitted after its "
         'retransmit_delay; set [topology.links.gateway_to_risk].retransmit_delay (e.g. "200ms")'),
        ({"kind": "link_degrade", "link": "market_data", "extra_loss": 0.2}, FANOUT,
         "faults[1].extra_loss: lost attempts on 'market_data' are retransmitted after its "
         "retransmit_delay; set topology.market_data.subscribers[1].link.retransmit_delay and "
         'on the 1 other subscriber link without one (e.g. "200ms")'),
        ({"kind": "link_degrade", "link": "risk_to_matching", "extra_loss": 1.0}, RETRANSMIT,
         "faults[1].extra_loss: must be less than 1 (got 1.0)"),
        ({"kind": "link_degrade", "link": "risk_to_matching", "extra_loss": -0.1}, RETRANSMIT,
         "faults[1].extra_loss: must be greater than or equal to 0 (got -0.1)"),
        ({"kind": "kill_switch", "at": -1}, {},
         "faults[1].at: must be greater than or equal to 0 (got -1)"),
        ({"kind": "kill_switch", "duration": 0}, {},
         "faults[1].duration: must be greater than 0 (got 0)"),
        ({"kind": "kill_switch", "account": ""}, {},
         "faults[1].account: '' is not an account name; write it without surrounding spaces, "
         "or leave the key out for the global switch"),
        ({"kind": "kill_switch", "account": " acct_7"}, {},
         "faults[1].account: ' acct_7' is not an account name; write it without surrounding "
         "spaces, or leave the key out for the global switch"),
        ({"kind": "kill_switch"}, {"risk": {"enabled": False}},
         "faults[1].kind: a kill switch acts through the risk checks, which are off; "
         "set risk.enabled = true"),
    ],
)
def test_bad_faults_are_refused_by_the_schema_naming_the_key(
    fault: dict[str, Any], body: dict[str, Any], message: str
) -> None:
    good = {"kind": "link_degrade", "link": "risk_to_matching", "at": "1s", "duration": "1ms",
            "extra_loss": 0.5}
    bad = {"at": "1s", "duration": "1ms", **fault}
    topology = {**RETRANSMIT["topology"], **body.get("topology", {})}
    links = {**RETRANSMIT["topology"]["links"], **body.get("topology", {}).get("links", {})}
    raw = {**BASE, **body, "topology": {**topology, "links": links}, "faults": [good, bad]}
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(raw, source="s.toml")
    assert str(caught.value) == f"s.toml: invalid scenario: {message}"


def test_extra_loss_on_fanout_subscriber_links_that_retransmit_is_accepted() -> None:
    """With fan-out, the subscribers' links carry market data: theirs is the delay checked."""
    degrade = {"kind": "link_degrade", "link": "market_data", "at": "1s", "duration": "1ms",
               "extra_loss": 0.2}
    subscribers = [{"name": "a", "link": {"retransmit_delay": "1ms"}}]
    scenario = scenario_from_dict({**BASE, "topology": {"market_data": {
        "subscribers": subscribers}}, "faults": [degrade]})
    assert scenario.topology.links.market_data.retransmit_delay is None
    assert isinstance(scenario.faults[0], LinkDegradeFault)
    assert scenario.faults[0].extra_loss == 0.2


def test_kill_switch_needs_a_duration() -> None:
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.duration: Field required"):
        scenario_from_dict({**BASE, "faults": [{"kind": "kill_switch", "at": "1s"}]})


def test_extra_loss_without_retransmit_delay_is_refused_before_a_platform_is_built() -> None:
    fault = {"kind": "link_degrade", "link": "gateway_to_risk", "at": 0, "duration": "1ms",
             "extra_loss": 0.1}
    raw = {**BASE, "topology": constant_topology(), "faults": [fault]}
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.extra_loss: lost attempts"):
        scenario_from_dict(raw)


def test_run_scenario_refuses_extra_loss_without_retransmit_delay(make_scenario: Any) -> None:
    extra = ('[[faults]]\nkind = "link_degrade"\nlink = "client_to_gateway"\nat = "50ms"\n'
             'duration = "5ms"\nextra_loss = 0.3\n')
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.extra_loss"):
        run_scenario(load_scenario(make_scenario(extra)), write_report=False)


def test_run_with_a_kill_switch_reports_it_and_refuses_in_the_window(
    tmp_path: Path, make_scenario: Any
) -> None:
    extra = ('[[faults]]\nkind = "kill_switch"\naccount = "clients"\nat = "50ms"\n'
             'duration = "20ms"\n')
    outcome = run_scenario(load_scenario(make_scenario(extra)), out_dir=tmp_path / "run",
                           write_report=False)
    (fault,) = outcome.summary["faults"]
    start = outcome.summary["sim_start_ns"] + 50 * MS
    assert (fault["kind"], fault["subject"]) == ("kill_switch", "clients")
    assert (fault["start_ns"], fault["end_ns"]) == (start, start + 20 * MS)
    orders = pl.from_arrow(outcome.result.orders)
    assert isinstance(orders, pl.DataFrame)
    checked = orders.filter(pl.col("ts_risk_out_ns").is_not_null()
                            & (pl.col("action") != "cancel"))
    inside = checked.filter(pl.col("ts_risk_out_ns").is_between(start, start + 20 * MS,
                                                                 closed="left"))
    assert inside.height > 0
    assert (inside["reject_reason"] == "kill_switch").all()
    assert (checked["reject_reason"] == "kill_switch").sum() == inside.height
