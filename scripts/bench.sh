#!/usr/bin/env bash
# `make bench`: the performance benchmarks (docs/performance.md), on SQLite and, when a PostgreSQL
# server answers at BENCH_PG_SERVER (default: the local one, trust auth), on PostgreSQL; then one
# table of every figure, with its median and spread. Nothing passes or fails on time.
#
# Each engine gets a generated database of BENCH_SQLITE_ORGS / BENCH_PG_ORGS organizations
# (`generate_scale_data`), and a small one of BENCH_SMALL_ORGS: the second size of the open-data
# export, and where the campaign-totals and certificate benchmarks make (and roll back) their data.
# The databases are kept between runs under names that hold their size (var/bench/portal-<size>.sqlite3,
# PostgreSQL database <BENCH_PG_NAME>_<size>) and reused when they hold exactly that many
# organizations: the generator writes everything in one transaction, so a database holds either all
# of them or none. Any other count means a stale database of ours: it is made anew. Nothing else is
# touched; the benchmarks only read, or roll back what they write.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
BENCH_SQLITE_ORGS=${BENCH_SQLITE_ORGS:-100000}
BENCH_PG_ORGS=${BENCH_PG_ORGS:-1000000}
BENCH_SMALL_ORGS=${BENCH_SMALL_ORGS:-10000}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_PG_SERVER=${BENCH_PG_SERVER:-postgres://postgres@127.0.0.1:5432}
BENCH_PG_NAME=${BENCH_PG_NAME:-portal_bench}
BENCH_PORT=${BENCH_PORT:-8123}
BENCH_RUNS=${BENCH_RUNS:-5}                # repetitions of each page request
BENCH_IMPORT_ROWS=${BENCH_IMPORT_ROWS:-10000}
BENCH_IMPORT_RUNS=${BENCH_IMPORT_RUNS:-3}
BENCH_EXPORT_RUNS=${BENCH_EXPORT_RUNS:-3}
BENCH_WRK_SECONDS=${BENCH_WRK_SECONDS:-10}  # per address and round; three rounds
BENCH_DIR=var/bench
mkdir -p "$BENCH_DIR"
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
export DEBUG=False  # dev settings, but no query log: it would grow with every query
# The per-address rate limits would refuse the benchmarks' repeated requests from one address.
export RATE_LIMITS_ENABLED=False
export PGOPTIONS="--client-min-messages=warning"
# The generated certificates are signed with this key, and the personal data encrypted with these,
# kept with the databases; the certificate benchmark writes its PDFs (and deletes them) in the run's
# own folder.
export CERTIFICATE_SIGNING_KEY_FILE="$PWD/$BENCH_DIR/signing-key.pem" PRIVATE_MEDIA_ROOT="$work/private"
export PERSONAL_DATA_KEY_FILE="$PWD/$BENCH_DIR/personal-data-keys"
output="$BENCH_DIR/last-run.txt"
: >"$output"

organizations() {
  $PY manage.py shell -v0 -c "from registry.models import Organization; print(Organization.objects.count())"
}

recreate_sqlite() { rm -f "$1"; }
recreate_pg() {
  psql "$BENCH_PG_SERVER/postgres" -qc "DROP DATABASE $1"
  psql "$BENCH_PG_SERVER/postgres" -qc "CREATE DATABASE $1"
}

# use_database URL SIZE RECREATE...: make URL the database of what follows, holding SIZE generated
# organizations; RECREATE... is the command that empties it when it holds another number.
use_database() {
  export DATABASE_URL=$1
  $PY manage.py migrate --noinput -v0
  local count
  count=$(organizations)
  if [ "$count" != "$2" ] && [ "$count" != 0 ]; then
    echo "$1 holds $count organizations, not $2: making it anew"
    "${@:3}"
    $PY manage.py migrate --noinput -v0
    count=0
  fi
  if [ "$count" = 0 ]; then
    echo "Generating $2 organizations in $1 (once: later runs reuse it)"
    $PY manage.py generate_scale_data --organizations "$2" --seed "$BENCH_SEED" | tail -n 1
  else
    echo "Reusing $1 ($count organizations)"
  fi
  $PY manage.py shell -v0 -c "from portal.site_structure import ensure_site_pages; ensure_site_pages()"
}

bench() {
  $PY manage.py "$@" | tee -a "$output"
}

# gunicorn with the production settings and two workers, as `make serve` runs a local trial, on
# the current database; PAGE_CACHE_TIMEOUT=$1 (0: every request renders).
start_server() {
  local env=(DJANGO_SETTINGS_MODULE=portal.settings.production ALLOWED_HOSTS=127.0.0.1,localhost
    SECRET_KEY="bench-$($PY -c 'import secrets; print(secrets.token_urlsafe(40))')"
    PORTAL_PUBLIC_URL="http://127.0.0.1:$BENCH_PORT" SECURE_SSL_REDIRECT=False SECURE_HSTS_SECONDS=0
    PAGE_CACHE_TIMEOUT="$1" GUNICORN_BIND="127.0.0.1:$BENCH_PORT" GUNICORN_WORKERS=2
    GUNICORN_MAX_REQUESTS=0)  # no recycling: a fresh worker's first requests load the whole site
  env "${env[@]}" $PY manage.py collectstatic --noinput -v0
  env "${env[@]}" .venv/bin/gunicorn -c gunicorn.conf.py --log-level warning &
  server=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$BENCH_PORT/healthz" >/dev/null && return 0
    sleep 0.2
  done
  echo "gunicorn did not start" >&2
  exit 1
}

stop_server() {
  kill "$server"
  wait "$server" || true
  server=""
}

run_benchmarks() {  # on the large database
  bench benchmark_directory --runs "$BENCH_RUNS"
  for cache in 0 300; do
    start_server "$cache"
    label=$([ "$cache" = 0 ] && echo "page cache off" || echo "page cache on")
    bench benchmark_throughput --base-url "http://127.0.0.1:$BENCH_PORT" --label "$label" \
      --duration "$BENCH_WRK_SECONDS"
    stop_server
  done
  bench benchmark_open_data --runs "$BENCH_EXPORT_RUNS"
  bench benchmark_import --rows "$BENCH_IMPORT_ROWS" --runs "$BENCH_IMPORT_RUNS"
}

run_small_benchmarks() {  # on the small database
  bench benchmark_open_data --runs "$BENCH_EXPORT_RUNS"
  bench benchmark_campaign_totals
  bench benchmark_certificates
}

echo "=== SQLite ==="
for size in "$BENCH_SQLITE_ORGS" "$BENCH_SMALL_ORGS"; do
  file="$PWD/$BENCH_DIR/portal-$size.sqlite3"
  use_database "sqlite:///$file" "$size" recreate_sqlite "$file"
  if [ "$size" = "$BENCH_SQLITE_ORGS" ]; then run_benchmarks; else run_small_benchmarks; fi
done

if pg_isready -d "$BENCH_PG_SERVER/postgres" -q 2>/dev/null; then
  echo "=== PostgreSQL ==="
  for size in "$BENCH_PG_ORGS" "$BENCH_SMALL_ORGS"; do
    name="${BENCH_PG_NAME}_$size"
    if [ -z "$(psql "$BENCH_PG_SERVER/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
      psql "$BENCH_PG_SERVER/postgres" -qc "CREATE DATABASE $name"
    fi
    use_database "$BENCH_PG_SERVER/$name" "$size" recreate_pg "$name"
    psql "$BENCH_PG_SERVER/$name" -qc "VACUUM ANALYZE"  # the planner's statistics, as a live database keeps them
    if [ "$size" = "$BENCH_PG_ORGS" ]; then run_benchmarks; else run_small_benchmarks; fi
  done
else
  echo "=== PostgreSQL: skipped (no server answers at $BENCH_PG_SERVER) ==="
fi

echo
echo "## Results of $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB memory; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
$PY scripts/bench_table.py "$output"
