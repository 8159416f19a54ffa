"""The scale-out stack on Redis (REDIS_URL): cache and sessions in Redis, the page cache shared
through it, and background tasks on Redis Queue (TASKS_BACKEND=rq), run here by an in-process burst
worker and, on PostgreSQL, by a worker process of its own. Each test works under keys of its own (a
cache key prefix, a queue named for the test) and removes them afterwards, so a developer's Redis
data is never touched. Without REDIS_URL the tests marked `redis` are skipped."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import django_rq
import pytest
from django.conf import settings
from django.contrib.sessions.backends.cache import SessionStore
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django_tasks import TaskResultStatus, task_backends
from redis import Redis
from rq import SimpleWorker
from rq.job import Job as RQJob
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from portal import page_cache
from portal.models import BureauSettings, HomePage
from portal.site_structure import ensure_site_pages
from registry.models import Notification
from registry.tasks import review_credit_lists_task, send_notification_email
from tests.factories import UserFactory, create_org

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = settings.REDIS_URL
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/1)")


def redis() -> Redis:
    return Redis.from_url(REDIS_URL)


@pytest.fixture
def redis_cache(settings):
    """The Redis cache of the settings, under a key prefix of this test's own; returns the prefix."""
    prefix = f"portal-test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}
    yield prefix
    connection = redis()
    for key in connection.scan_iter(f"{prefix}:*"):
        connection.delete(key)


@pytest.fixture
def rq_queue(settings):
    """The RQ backend as TASKS_BACKEND=rq sets it up, on a queue named for this test; returns the
    queue's name and a burst worker for it."""
    name = f"portal-test-{uuid.uuid4().hex}"
    connection = {"URL": REDIS_URL}
    settings.RQ_QUEUES = {"default": connection, name: connection}
    settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [name]}}
    queue = django_rq.get_queue(name)
    client = queue.connection
    shared_keys = [key for key in ("rq:clean_groups",) if not client.exists(key)]  # made by the worker
    worker = SimpleWorker([queue], connection=client, job_class=queue.job_class, name=name)
    yield name, worker
    registries = (queue.finished_job_registry, queue.failed_job_registry, queue.started_job_registry)
    for job_id in {*queue.get_job_ids(), *(job_id for registry in registries for job_id in registry.get_job_ids())}:
        RQJob.fetch(job_id, connection=client).delete()
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)
    client.srem("rq:queues", queue.key)
    client.srem("rq:workers", worker.key)
    if shared_keys:
        client.delete(*shared_keys)


@pytest.mark.redis
@needs_redis
def test_cache_and_sessions_are_in_redis(redis_cache, db):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert settings.CACHES["default"]["LOCATION"] == REDIS_URL
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cache"
    cache.set("greeting", "你好", 60)
    assert cache.get("greeting") == "你好"
    assert redis().exists(f"{redis_cache}:1:greeting")
    # A session saved by one app server is read by another: it lives in Redis, not in memory.
    session = SessionStore()
    session["organization"] = 42
    session.save()
    assert any(redis().scan_iter(f"{redis_cache}:*{session.session_key}"))
    assert SessionStore(session_key=session.session_key)["organization"] == 42


@pytest.mark.redis
@needs_redis
def test_a_logged_in_session_lives_in_redis(redis_cache, client, db):
    client.force_login(UserFactory(username="redis-session"))
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert any(redis().scan_iter(f"{redis_cache}:*{session_key}"))
    assert client.get("/account/").status_code == 200


@pytest.mark.redis
@needs_redis
def test_the_page_cache_is_shared_through_redis_and_dropped_on_change(redis_cache, settings, client, tree):
    settings.PAGE_CACHE_TIMEOUT = 300
    if not HomePage.objects.exists():  # without migrations
        Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        home = root.add_child(instance=HomePage(title="市南区社会组织门户", slug="home"))
        Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    ensure_site_pages()
    BureauSettings.for_site(Site.objects.get(is_default_site=True))
    organization = create_org(street=tree.zhanshan, name="湛山养老服务协会")
    assert client.get("/directory/")["X-Page-Cache"] == "miss"
    assert client.get("/directory/")["X-Page-Cache"] == "hit"
    assert redis().exists(f"{redis_cache}:1:{page_cache.VERSION_KEY}")
    organization.name = "湛山颐养服务协会"
    organization.save()
    response = client.get("/directory/")
    assert response["X-Page-Cache"] == "miss"
    assert "湛山颐养服务协会" in response.content.decode()


@pytest.mark.redis
@needs_redis
def test_existing_tasks_run_on_rq_in_a_burst_worker_and_their_results_are_visible(rq_queue, db):
    name, worker = rq_queue
    user = UserFactory(username="rq-mail", email="rq-mail@example.com")
    notification = Notification.objects.create(user=user, message="您的年度报告已通过审核。")
    mailed = send_notification_email.using(queue_name=name).enqueue(notification.pk)
    reviewed = review_credit_lists_task.using(queue_name=name).enqueue("2026-03-01")
    assert mailed.status == reviewed.status == TaskResultStatus.READY
    assert mail.outbox == []  # queued, not run

    assert worker.work(burst=True)

    mailed.refresh()
    assert mailed.status == TaskResultStatus.SUCCESSFUL
    assert mailed.return_value is True
    assert [message.to for message in mail.outbox] == [["rq-mail@example.com"]]
    assert mail.outbox[0].body == "您的年度报告已通过审核。"
    result = task_backends["default"].get_result(reviewed.id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert set(result.return_value) >= {"moved_to_serious", "removed_from_serious"}


@pytest.mark.redis
@needs_redis
def test_a_failing_task_is_reported_failed(rq_queue, db):
    name, worker = rq_queue
    result = review_credit_lists_task.using(queue_name=name).enqueue("not a date")
    worker.work(burst=True)
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "builtins.ValueError"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "TASKS_BACKEND")}
    environment.update({"DJANGO_SETTINGS_MODULE": "portal.settings.dev", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True
    )


def database_url() -> str:
    """The test database as DATABASE_URL, for a process of its own."""
    db = connection.settings_dict
    user = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


@pytest.mark.redis
@pytest.mark.postgres
@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_the_web_process_runs_in_a_separate_worker_process(rq_queue, tmp_path):
    """The deployment's split: the web process only enqueues; `manage.py rqworker`, another process
    with its own connections, takes the job from Redis, runs it against the database and stores its
    result where the web process reads it."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process reaches the test database over a connection: PostgreSQL only")
    name, _in_process_worker = rq_queue
    user = UserFactory(username="rq-process", email="rq-process@example.com")
    notification = Notification.objects.create(user=user, message="独立工作进程发送的通知。")
    result = send_notification_email.using(queue_name=name).enqueue(notification.pk)
    assert result.status == TaskResultStatus.READY

    # The worker's settings: those of TASKS_BACKEND=rq, with this test's queue beside "default".
    (tmp_path / "worker_settings.py").write_text(
        "from portal.settings.dev import *\n"
        f"RQ_QUEUES = {{**RQ_QUEUES, {name!r}: {{'URL': REDIS_URL}}}}\n"
        f"TASKS = {{'default': {{**TASKS['default'], 'QUEUES': ['default', {name!r}]}}}}\n"
    )
    worker = manage(
        "rqworker",
        name,
        "--burst",
        DJANGO_SETTINGS_MODULE="worker_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(BASE_DIR)]),
        TASKS_BACKEND="rq",
        REDIS_URL=REDIS_URL,
        DATABASE_URL=database_url(),
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PERSONAL_DATA_KEY_FILE=str(settings.PERSONAL_DATA_KEY_FILE),
    )
    assert worker.returncode == 0, worker.stderr

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors[0].traceback if result.errors else ""
    assert result.return_value is True
    # The worker sent the mail (its console backend printed it); this process sent nothing.
    assert "To: rq-process@example.com" in worker.stdout
    assert mail.outbox == []


@pytest.mark.redis
@needs_redis
def test_tasks_backend_rq_configures_the_queue_and_the_worker_command(tmp_path):
    environment = {"TASKS_BACKEND": "rq", "REDIS_URL": REDIS_URL, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    checked = manage("check", **environment)
    assert checked.returncode == 0, checked.stderr
    worker = manage("rqworker", "--help", **environment)
    assert worker.returncode == 0, worker.stderr
    assert "--burst" in worker.stdout


def test_tasks_backend_rq_without_redis_refuses_to_start(tmp_path):
    refused = manage("check", TASKS_BACKEND="rq", REDIS_URL="", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert refused.returncode != 0
    assert "TASKS_BACKEND=rq needs REDIS_URL" in refused.stderr
