"""What the `benchmark_*` commands share (`make bench`, docs/performance.md): timing repeated calls,
summarizing the samples, and the one machine-readable line per figure that scripts/bench.sh collects
into its table. A figure line is `BENCH ` and a JSON object:

    {"database": "sqlite, 100,000 organizations", "figure": "...", "unit": "ms",
     "median": 12.3, "p95": 20.1, "min": 9.8, "max": 25.0, "n": 125, "target": "p95 < 100 ms", "met": true}

Figures are to read, not tests: nothing here passes or fails a run.
"""

import json
import math
import statistics
import time
from collections.abc import Callable, Sequence

from django.db import connection

from registry.models import Organization

PREFIX = "BENCH "


def percentile(samples: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (0 < share ≤ 1): a sample that was really measured."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def time_calls(call: Callable[[], object], runs: int) -> list[float]:
    """Seconds taken by each of `runs` calls."""
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def database_label() -> str:
    return f"{connection.vendor}, {Organization.objects.count():,} organizations"


def figure_line(
    *,
    database: str,
    figure: str,
    unit: str,
    samples: Sequence[float],
    target: str = "",
    met: bool | None = None,
    note: str = "",
) -> str:
    """The BENCH line of one figure: the median, 95th percentile and range of `samples` (already
    in `unit`)."""
    return PREFIX + json.dumps(
        {
            "database": database,
            "figure": figure,
            "unit": unit,
            "median": statistics.median(samples),
            "p95": percentile(samples, 0.95),
            "min": min(samples),
            "max": max(samples),
            "n": len(samples),
            "target": target,
            "met": met,
            "note": note,
        },
        ensure_ascii=False,
    )
