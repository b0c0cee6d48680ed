from pathlib import Path

import numpy as np
import pytest

from sim.data.latency_import import round_trips_ns
from sim.errors import DataError

ROOT = Path(__file__).resolve().parents[3]


def test_pairs_requests_with_confirmations(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("Timestamp,Order_ID,Status\n"
                   "1000,a,PENDING_CREATE\n1003,b,PENDING_CREATE\n1010,b,CREATED\n"
                   "1044,a,CREATED\n1050,a,PENDING_CANCEL\n1052,a,CANCELED\n"
                   "1060,c,PENDING_CREATE\n")
    assert round_trips_ns(log).column("latency_ns").to_pylist() == [44_000_000, 7_000_000]
    assert round_trips_ns(log, "cancel").column("latency_ns").to_pylist() == [2_000_000]


def test_bundled_binance_tokyo_log_matches_its_documented_median() -> None:
    table = round_trips_ns(ROOT / "data/latency/binance_aws_1_Tokyo_latency_check.csv.gz")
    values = table.column("latency_ns").to_numpy()
    assert values.size == 669
    assert np.median(values) == 71_000_000  # SOURCES.md: create 71 ms
    assert 300e6 < np.percentile(values, 99) < 320e6  # SOURCES.md: p99 308 ms


def test_bad_logs_are_named(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("Time,Order_ID,Status\n1,a,CREATED\n")
    with pytest.raises(DataError, match=r"log\.csv: missing column\(s\) Timestamp"):
        round_trips_ns(log)
    with pytest.raises(DataError, match="unknown request kind 'fly'"):
        round_trips_ns(log, "fly")
