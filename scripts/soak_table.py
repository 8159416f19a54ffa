#!/usr/bin/env python3
"""The table of `make soak`: reads the phases' output (files named as arguments, or standard input),
keeps the `SOAK {json}` lines of `soak_load` and `soak_certificates` and prints one Markdown table,
a row per figure and a column per phase. Needs nothing but Python."""

import fileinput
import json

PREFIX = "SOAK "
# The figures in the order of the table, with their labels; a phase shows those it has.
ROWS = {
    "requests": "requests",
    "server_errors": "5xx answers",
    "connection_errors": "connection errors",
    "submissions_made": "submissions made (success answered)",
    "submissions_found": "submissions found once in the database",
    "submissions_uncertain": "submissions whose answer was lost",
    "lost": "submissions lost",
    "duplicated": "submissions duplicated",
    "double_posts": "double-clicked annual reports",
    "filings_approved": "filings approved (numbers given)",
    "filing_numbers": "filing numbers this year",
    "filing_numbers_gapless": "filing numbers gapless",
    "officer_database_errors": "officers' database errors",
    "expected": "certificates expected",
    "issued_at_kill": "certificates issued when the worker was killed",
    "half_issued_after_kill": "half-issued after the kill",
    "orphan_files_after_kill": "PDF files without a row after the kill",
    "issued": "certificates issued in the end",
    "half_issued": "half-issued in the end",
    "twice": "grades certified twice",
    "numbers_gapless": "certificate numbers gapless",
    "outage_seconds": "database outage (s)",
    "errors_during_outage": "failed requests (outage)",
    "recovery_seconds": "recovery after the database was back (s)",
    "ok": "invariants hold",
}


def cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    return f"{value:,}" if isinstance(value, int) else str(value)


def main() -> None:
    with fileinput.input() as lines:
        phases = [json.loads(line[len(PREFIX) :]) for line in lines if line.startswith(PREFIX)]
    print("| Figure | " + " | ".join(phase["phase"] for phase in phases) + " |")
    print("| --- |" + " ---: |" * len(phases))
    for key, label in ROWS.items():
        if any(key in phase for phase in phases):
            print(f"| {label} | " + " | ".join(cell(phase[key]) if key in phase else "" for phase in phases) + " |")


if __name__ == "__main__":
    main()
