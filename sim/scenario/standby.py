"""The audit log (write-ahead log) and standby configs: what a failover recovers from.

::

    [topology.audit]                 # the matching engine's write-ahead log
    write = { kind = "constant", value = "20us" }   # one durable write (fsync)
    group_commit = true              # records waiting for the writer share its next write
    max_batch = 256                  # most records in one group-committed write
    snapshot_interval = "1s"         # books snapshotted this often

    [topology.standbys.matching]     # a hot standby of the matching engine (also: gateway, risk)
    heartbeat_interval = "1ms"       # primary -> monitor heartbeats
    missed_beats = 3                 # missed in a row before the primary is declared dead
    snapshot_load = "2ms"            # time to load the last snapshot (gateway, risk: to take over)
    replay_rate = 1000000            # WAL records replayed per second after the snapshot
    redirect = "500us"               # time for senders to reconnect to the promoted engine
    retransmit_timeout = "2ms"       # a sender resends an unacknowledged message after this
    retransmit_backoff = 2           # ... and multiplies that timer by this after each resend
    retransmit_max_timeout = "100ms" # ... up to this (a held message gets through this soon)
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.distributions import ConstantDist, Distribution
from sim.scenario.types import Count, DurationNs, Flag, FrozenModel, PositiveDurationNs


class AuditConfig(FrozenModel):
    """The write-ahead log in front of the books: orders apply only once durably written."""

    write: Distribution = Field(default_factory=lambda: ConstantDist(value=20_000))
    """Duration of one durable write (one record, or one group of records)."""
    group_commit: Flag = True
    """Records that arrive while a write is in progress go out together in the next write."""
    max_batch: Count = Field(default=256, ge=1)
    """Most records in one group-committed write."""
    snapshot_interval: PositiveDurationNs = 1_000_000_000
    """Simulated time between snapshots of the books (the replay starts at the last one)."""


class StandbyConfig(FrozenModel):
    """A standby that is promoted when heartbeats say its primary has died."""

    heartbeat_interval: PositiveDurationNs = 1_000_000
    missed_beats: Count = Field(default=3, ge=1)
    """Heartbeats missed in a row before the monitor declares the primary dead."""
    snapshot_load: DurationNs = 2_000_000
    """Time to load the last snapshot into the standby."""
    replay_rate: Count = Field(default=1_000_000, gt=0)
    """WAL records replayed per second (records written after the last snapshot)."""
    redirect: DurationNs = 500_000
    """Time for senders to reconnect to the promoted engine once it has caught up."""
    retransmit_timeout: PositiveDurationNs = 2_000_000
    """A sender resends a message not acknowledged this long after it was sent."""
    retransmit_backoff: Count = Field(default=2, ge=1, le=1_000)
    """Integer factor applied to the resend timer after each resend (1: a fixed timer)."""
    retransmit_max_timeout: PositiveDurationNs = 100_000_000
    """The resend timer grows no further (taken as ``retransmit_timeout`` if below it)."""


class StandbysConfig(FrozenModel):
    """Standbys by stage; a stage can fail over only to its standby.

    The gateway's and risk engine's standbys are hot (sessions, rate-limit buckets,
    positions kept in step): promotion costs ``snapshot_load`` and nothing is replayed.
    """

    gateway: StandbyConfig | None = None
    risk: StandbyConfig | None = None
    matching: StandbyConfig | None = None
