"""The figure lines of the benchmarks and the table `make bench` prints from them."""

import json
import subprocess
import sys
from pathlib import Path

from portal.benchmarking import PREFIX, figure_line, percentile

TABLE = Path(__file__).resolve().parents[2] / "scripts" / "bench_table.py"


def test_percentile_is_a_measured_sample():
    samples = [float(n) for n in range(1, 21)]
    assert percentile(samples, 0.95) == 19.0
    assert percentile(samples, 0.5) == 10.0
    assert percentile([3.0], 0.95) == 3.0


def test_a_figure_line_carries_median_spread_and_target():
    line = figure_line(
        database="sqlite, 10 organizations",
        figure="search",
        unit="ms",
        samples=[5, 1, 3],
        target="p95 < 4 ms",
        met=False,
    )
    assert line.startswith(PREFIX)
    figure = json.loads(line.removeprefix(PREFIX))
    assert (figure["median"], figure["p95"], figure["min"], figure["max"], figure["n"]) == (3, 5, 1, 5, 3)
    assert figure["target"] == "p95 < 4 ms" and figure["met"] is False


def test_the_table_keeps_only_figure_lines(tmp_path):
    output = tmp_path / "run.txt"
    line = figure_line(database="sqlite, 10 organizations", figure="search", unit="ms", samples=[5, 1, 3])
    output.write_text(f"some prose\n{line}\n", encoding="utf-8")
    table = subprocess.run([sys.executable, TABLE, output], capture_output=True, text=True, check=True).stdout
    rows = table.strip().splitlines()
    assert len(rows) == 3  # header, rule, one figure
    assert "| sqlite, 10 organizations | search | 3.0 ms | p95 5.0; 1.0–5.0 (n=3) |" in rows[2]
