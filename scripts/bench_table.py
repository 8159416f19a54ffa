#!/usr/bin/env python3
"""The table of `make bench`: reads the benchmarks' output (files named as arguments, or standard
input), keeps the `BENCH {json}` lines (format: portal/benchmarking.py) and prints them as one
Markdown table, in the order they came. Needs nothing but Python."""

import fileinput
import json

PREFIX = "BENCH "
DIGITS = {"ms": 1, "s": 2, "MB": 1, "×": 2, "req/s": 0, "queries": 0}


def number(value: float, unit: str) -> str:
    if 0 < abs(value) < 0.1:
        return f"{value:.2g}"  # two significant digits rather than 0.00
    digits = DIGITS.get(unit, 2)
    if unit in ("s", "req/s") and value < 10:
        digits += 1
    return f"{value:,.{digits}f}"


def row(figure: dict) -> str:
    unit = figure["unit"]
    median = f"{number(figure['median'], unit)} {unit}"
    if figure["n"] > 1:
        spread = (
            f"p95 {number(figure['p95'], unit)}; "
            f"{number(figure['min'], unit)}–{number(figure['max'], unit)} (n={figure['n']})"
        )
    else:
        spread = "one measurement"
    met = {True: "met", False: "**missed**", None: ""}[figure["met"]]
    cells = [figure["database"], figure["figure"], median, spread, figure["target"], met, figure["note"]]
    return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"


def main() -> None:
    print("| Database | Figure | Median | Spread | Target | | Note |")
    print("| --- | --- | ---: | --- | --- | --- | --- |")
    with fileinput.input() as lines:
        for line in lines:
            if line.startswith(PREFIX):
                print(row(json.loads(line[len(PREFIX) :])))


if __name__ == "__main__":
    main()
