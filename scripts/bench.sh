#!/usr/bin/env bash
# `make bench`: the performance benchmarks, each printing its figures (median and spread over
# repeated runs, SQL query counts), on a fresh SQLite database and, when a PostgreSQL server
# answers at BENCH_PG (default: the local one, trust auth), on a fresh PostgreSQL database.
# The databases are made for the run and removed afterwards; nothing else is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
BENCH_PG_SERVER=${BENCH_PG_SERVER:-postgres://postgres@127.0.0.1:5432}
BENCH_PG_NAME=${BENCH_PG_NAME:-portal_bench}
export PGOPTIONS="--client-min-messages=warning"  # no NOTICE when the database is not there yet

run_benchmarks() {
  $PY manage.py migrate --noinput -v0
  $PY manage.py benchmark_campaign_totals
  $PY manage.py benchmark_certificates
}

echo "=== SQLite ==="
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The certificate benchmark writes PDFs (and deletes them) and signs with a key made for the
# run: both in the run's own directory.
export PRIVATE_MEDIA_ROOT="$work/private" CERTIFICATE_SIGNING_KEY_FILE="$work/signing-key.pem"
DATABASE_URL="sqlite:///$work/bench.sqlite3" run_benchmarks

if pg_isready -d "$BENCH_PG_SERVER/postgres" -q 2>/dev/null; then
  echo "=== PostgreSQL ==="
  psql "$BENCH_PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $BENCH_PG_NAME"
  psql "$BENCH_PG_SERVER/postgres" -qc "CREATE DATABASE $BENCH_PG_NAME"
  DATABASE_URL="$BENCH_PG_SERVER/$BENCH_PG_NAME" run_benchmarks
  psql "$BENCH_PG_SERVER/postgres" -qc "DROP DATABASE $BENCH_PG_NAME"
else
  echo "=== PostgreSQL: skipped (no server answers at $BENCH_PG_SERVER) ==="
fi
