"""The swarm's summaries of a worker's metrics, from scraped samples."""

from __future__ import annotations

from bench.common import stall_summary


def test_stall_summary_counts_the_late_beats_and_the_longest_bucket() -> None:
    name = 'denksessie_loop_stall_seconds_bucket{{le="{}"}}'
    samples = {
        name.format("0.001"): 90.0,
        name.format("0.005"): 95.0,
        name.format("0.01"): 96.0,
        name.format("0.025"): 98.0,
        name.format("0.05"): 99.0,
        name.format("0.1"): 100.0,
        name.format("+Inf"): 100.0,
        "denksessie_loop_stall_seconds_count": 100.0,
    }
    assert stall_summary(samples) == {
        "beats": 100,
        "over_10_ms": 4,
        "over_25_ms": 2,
        "over_50_ms": 1,
        "longest_le_ms": 100.0,
    }
    assert stall_summary({})["beats"] == 0
