"""Stage ``ordering``: a session's messages keep their order through parallel workers.

Hand-built flows with scripted service times pin the exact stamps; the bundled
``volume_10x`` scenario on its pinned 2 s window shows the effect at 10x: under
``ordering = "none"`` (the behaviour before sessions) 74 ``unknown_order`` rejects,
59 of them cancels that overtook their own add at the 2-worker gateway; under
``session`` (the default) 12 remain and none overtook: 8 cancel an add that a full
queue turned away (``queue_full``) and 4 cancel an add already filled by an order
sent before the cancel (the data's cancels do not know the model book's fills;
the baseline at 1x keeps 2 of those). The 59 overtakes also moved fills: orders a
cancel failed to remove were filled instead of the data's targets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from sim.core.vocabulary import OrderAction
from sim.model.environment import SimulationEnvironment
from sim.model.recorder import OrderRecorder
from sim.model.server import QUEUE_FULL, Stage, StageStamps
from sim.model.sessions import OrderSessions, session_hash
from sim.runner import run_scenario
from sim.scenario import load_scenario
from sim.scenario.distributions import ConstantDist
from sim.scenario.schema import StageConfig, StageOrdering, TopologyConfig

ADD, CANCEL = OrderAction.ADD, OrderAction.CANCEL

ROOT = Path(__file__).resolve().parents[3]


class Scripted:
    """Service times in the order they are drawn."""

    def __init__(self, durations: list[int]) -> None:
        self.durations = durations

    def sample(self) -> int:
        return self.durations.pop(0)

    def sample_block(self) -> list[int]:
        block, self.durations = self.durations, []
        return block


def recorder_of(rows: list[tuple[int, int]], accounts: list[int] | None = None,
                distinct_accounts: int = 0) -> OrderRecorder:
    """Orders ``(action, order_id)`` of one source on symbol 0, optionally with accounts."""
    recorder = OrderRecorder(len(rows), ["clients"])
    count = len(rows)
    recorder.append_orders(
        0,
        np.zeros(count, dtype=np.int64),
        np.zeros(count, dtype=np.int32),
        np.array([action for action, _ in rows], dtype=np.int8),
        np.array([order_id for _, order_id in rows], dtype=np.int64),
        np.ones(count, dtype=np.int8),
        np.full(count, 100, dtype=np.int64),
        np.full(count, 1, dtype=np.int64),
    )
    if accounts is not None:
        recorder.columns["account"][:] = accounts
        recorder.source_accounts[0] = distinct_accounts
    return recorder


def stage_of(recorder: OrderRecorder, durations: list[int], ordering: StageOrdering,
             workers: int = 2, capacity: int = 10) -> tuple[Stage, list[tuple[int, int]]]:
    env = SimulationEnvironment(0)
    config = StageConfig(workers=workers, service=ConstantDist(value=1), queue_capacity=capacity,
                         ordering=ordering)
    stage = Stage(env, "stage.gateway", config, Scripted(durations),  # type: ignore[arg-type]
                  StageStamps.of(recorder, "gateway"))
    done: list[tuple[int, int]] = []
    stage.connect(lambda seq: done.append((seq, env.now)),
                  lambda seq, reason: done.append((seq, -1)))
    return stage, done


def arrive_at(stage: Stage, times: list[tuple[int, int]]) -> None:
    """Let ``(seq, at)`` arrive at their times, then run."""
    env = stage.env
    for seq, at in times:
        env.timeout(at, seq).callbacks.append(lambda event: stage.arrive(event.value))
    env.run()


def stamps(recorder: OrderRecorder) -> list[tuple[int, int, int]]:
    columns = [recorder.columns[f"ts_gateway_{name}_ns"] for name in ("in", "start", "out")]
    return [tuple(int(column[seq]) for column in columns)  # type: ignore[misc]
            for seq in range(recorder.count)]


def test_cancel_never_overtakes_its_add_under_session_order() -> None:
    """Add (100 ns) at 0, its cancel (5 ns) at 10: the cancel waits for the add's end."""
    recorder = recorder_of([(ADD, 7), (CANCEL, 7)])
    stage, done = stage_of(recorder, [100, 5], StageOrdering.SESSION)
    arrive_at(stage, [(0, 0), (1, 10)])
    assert stamps(recorder) == [(0, 0, 100), (10, 100, 105)]
    assert done == [(0, 100), (1, 105)]
    assert stage.stats()["session_waits"] == 1
    assert stage.stats()["max_queue_depth"] == 1


def test_cancel_overtakes_its_add_under_no_order() -> None:
    """``ordering = "none"`` is the behaviour before sessions: the free worker takes the cancel."""
    recorder = recorder_of([(ADD, 7), (CANCEL, 7)])
    stage, done = stage_of(recorder, [100, 5], StageOrdering.NONE)
    arrive_at(stage, [(0, 0), (1, 10)])
    assert stamps(recorder) == [(0, 0, 100), (10, 10, 15)]
    assert done == [(1, 15), (0, 100)]
    assert "session_waits" not in stage.stats()


def test_two_sessions_use_two_workers_in_parallel() -> None:
    """Orders 1 and 2 hash to different sessions: both start at once, as without order."""
    sessions = OrderSessions(recorder_of([(ADD, 1), (ADD, 2)]), 64)
    assert sessions.of(0) != sessions.of(1)
    recorder = recorder_of([(ADD, 1), (ADD, 2)])
    stage, _ = stage_of(recorder, [100, 100], StageOrdering.SESSION)
    arrive_at(stage, [(0, 0), (1, 0)])
    assert stamps(recorder) == [(0, 0, 100), (0, 0, 100)]
    assert stage.stats()["session_waits"] == 0


def test_session_hash_is_stable() -> None:
    """The hash is arithmetic on ints (no ``hash()``): the same on every machine and run."""
    assert [session_hash(0, order_id) % 64 for order_id in (1, 2, 3)] == [34, 5, 40]
    assert session_hash(1, 1) != session_hash(0, 1)


def test_the_numpy_keys_are_the_scalar_hash() -> None:
    """``OrderSessions`` (numpy, wrapping uint64) gives ``-1 - session_hash % sessions``."""
    ids = [1, 2, 3, 2**40 + 7, 2**62 + 1, 123_456_789]
    sessions = OrderSessions(recorder_of([(ADD, order_id) for order_id in ids]), 64)
    assert [sessions.of(seq) for seq in range(len(ids))] == [
        -1 - session_hash(0, order_id) % 64 for order_id in ids]


def test_a_released_message_joins_the_tail_of_the_shared_queue() -> None:
    """Cancel of 1 waits behind add 1; when add 1 ends it queues behind add 3 (SerialExecutor)."""
    recorder = recorder_of([(ADD, 1), (ADD, 2), (CANCEL, 1), (ADD, 3)])
    stage, done = stage_of(recorder, [50, 100, 10, 10], StageOrdering.SESSION)
    arrive_at(stage, [(0, 0), (1, 0), (2, 5), (3, 6)])
    assert done == [(0, 50), (3, 60), (2, 70), (1, 100)]
    assert stamps(recorder) == [(0, 0, 50), (0, 0, 100), (5, 60, 70), (6, 50, 60)]


def test_the_queue_bound_counts_messages_waiting_for_their_session() -> None:
    """Capacity 1: add 1 in service, add 2 in service, cancel 1 waits, add 3 is refused."""
    recorder = recorder_of([(ADD, 1), (ADD, 2), (CANCEL, 1), (ADD, 3)])
    stage, done = stage_of(recorder, [50, 100, 10, 10], StageOrdering.SESSION, capacity=1)
    arrive_at(stage, [(0, 0), (1, 0), (2, 5), (3, 6)])
    assert (3, -1) in done
    assert stage.stats()[f"rejected.{QUEUE_FULL}"] == 1
    assert stage.queue_depth == 0


def test_accounts_are_sessions_when_the_source_has_several() -> None:
    """Two orders of account 0 (of 2 accounts) are served one after the other."""
    recorder = recorder_of([(ADD, 1), (ADD, 2), (ADD, 3)], accounts=[0, 0, 1],
                           distinct_accounts=2)
    stage, _ = stage_of(recorder, [100, 100, 100], StageOrdering.SESSION, workers=3)
    arrive_at(stage, [(0, 0), (1, 0), (2, 0)])
    assert stamps(recorder) == [(0, 0, 100), (0, 100, 200), (0, 0, 100)]


def test_a_single_account_is_spread_over_hashed_sessions() -> None:
    """A source whose data has one account is not serialised: its orders hash to sessions."""
    recorder = recorder_of([(ADD, 1), (ADD, 2)], accounts=[0, 0], distinct_accounts=1)
    stage, _ = stage_of(recorder, [100, 100], StageOrdering.SESSION)
    arrive_at(stage, [(0, 0), (1, 0)])
    assert stamps(recorder) == [(0, 0, 100), (0, 0, 100)]


def test_crash_loses_messages_waiting_for_their_session_too() -> None:
    """In service first, then the queue, then each session's backlog; all state cleared."""
    recorder = recorder_of([(ADD, 1), (ADD, 2), (ADD, 3), (CANCEL, 1)])
    stage, done = stage_of(recorder, [100, 100, 10, 10, 10], StageOrdering.SESSION)
    stage.arm_crash()
    for seq in range(4):
        stage.arrive(seq)
    assert stage.queue_depth == 2
    assert stage.crash() == [0, 1, 2, 3]
    assert stage.queue_depth == 0
    stage.arrive(3)  # the resent cancel finds its session free
    stage.env.run()
    assert done == [(3, 10)]


def test_the_publisher_refuses_session_keys() -> None:
    """The publisher always sends in sequence: ``ordering`` there is an error, not ignored."""
    with pytest.raises(ValueError, match=r"topology\.publisher\.ordering: the publisher always"):
        TopologyConfig.model_validate({"publisher": {"ordering": "none"}})


def volume_10x(tmp_path: Path, *overrides: str) -> tuple[dict[str, Any], pa.Table]:
    scenario = load_scenario(ROOT / "scenarios" / "volume_10x.toml",
                             ["data.duration=2s", *overrides])
    outcome = run_scenario(scenario, out_dir=tmp_path / "run", write_report=False)
    return outcome.summary, outcome.result.orders


def unknown_order_causes(orders: pa.Table) -> dict[str, int]:
    """Why each ``unknown_order`` cancel found no order: overtaking, a rejected or filled add."""
    rows = orders.to_pylist()
    adds = {(row["symbol"], row["order_id"]): row for row in rows if row["action"] == "add"}
    causes = {"overtook": 0, "add_rejected": 0, "add_filled": 0}
    for row in rows:
        if row["reject_reason"] != "unknown_order":
            continue
        add = adds[(row["symbol"], row["order_id"])]
        if add["outcome"] == "rejected":
            causes["add_rejected"] += 1
        elif add["ts_matching_start_ns"] > row["ts_matching_start_ns"]:
            causes["overtook"] += 1
        else:
            assert add["filled_qty"] == add["qty"]
            causes["add_filled"] += 1
    return causes


@pytest.mark.slow
def test_volume_10x_without_order_is_the_run_before_sessions(tmp_path: Path) -> None:
    """``ordering = "none"`` gives the figures pinned before sessions existed, exactly."""
    summary, orders = volume_10x(tmp_path, "topology.gateway.ordering=none")
    end_to_end = summary["latency_ns"]["end_to_end"]
    assert [end_to_end[key] for key in ("p50", "p99", "p99_9", "max")] == [
        78181, 105742, 117881, 134440]
    assert summary["orders"]["fill_rate"] == 0.427617
    assert summary["orders"]["rejects_by_reason"] == {"queue_full": 17, "unknown_order": 74}
    assert unknown_order_causes(orders) == {"overtook": 59, "add_rejected": 7, "add_filled": 8}


@pytest.mark.slow
def test_volume_10x_session_order_leaves_no_overtaking_cancel(tmp_path: Path) -> None:
    """Under ``session`` 12 ``unknown_order`` rejects remain: 8 after a refused add, 4 filled."""
    summary, orders = volume_10x(tmp_path)
    assert summary["orders"]["rejects_by_reason"] == {"queue_full": 17, "unknown_order": 12}
    assert unknown_order_causes(orders) == {"overtook": 0, "add_rejected": 8, "add_filled": 4}
    assert summary["components"]["gateway"]["session_waits"] == 436
