"""The liveness check answers without touching the database, and is never cached; database
connections kept between requests are checked before a request reuses them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_answers_ok_without_a_single_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_connections_kept_between_requests_are_checked_before_reuse(tmp_path):
    """With `?conn_max_age=60` (docs/deployment.md) a connection outlives its request; after a
    database restart it is dead, and without the health check the next request on it fails
    (`make soak` restarts the database under load)."""
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    environment.update(
        DJANGO_SETTINGS_MODULE="portal.settings.dev", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3?conn_max_age=60"
    )
    code = (
        "from django.db import connection as c; s = c.settings_dict; print(s['CONN_MAX_AGE'], s['CONN_HEALTH_CHECKS'])"
    )
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["60", "True"]
