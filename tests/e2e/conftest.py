"""End-to-end tests: Debian's Chromium, driven by Playwright, against a real `manage.py runserver`
on a database of its own holding the demo data.

Nothing here touches the test database: the server is another process, reached over HTTP only.
The tests run last (Playwright's sync API keeps an asyncio loop running on the main thread until
the session ends, and Django refuses database calls from a thread with a running loop), and are
skipped, with the reason, where Chromium is not installed.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql"}
COMMAND_TIMEOUT = 300  # seconds for each of migrate and load_demo_data
STARTUP_TIMEOUT = 30  # seconds for runserver to answer
PAGE_TIMEOUT = 15_000  # milliseconds for any one Playwright action or navigation


def pytest_itemcollected(item):
    """Everything under tests/e2e is `e2e` (before `-m` selects)."""
    if HERE in Path(item.path).resolve().parents:
        item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Skip the e2e tests without Chromium, and run them last."""
    e2e, others = [], []
    for item in items:
        (e2e if item.get_closest_marker("e2e") else others).append(item)
    if not e2e:
        return
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        skip = pytest.mark.skip(
            reason=f"end-to-end tests need Chromium at {CHROMIUM}: as root, `apt-get install chromium` "
            "(`make test` does it), or set E2E_CHROMIUM to another Chromium binary"
        )
        for item in e2e:
            item.add_marker(skip)
    items[:] = others + e2e


# --- The server --------------------------------------------------------------------------------


@contextlib.contextmanager
def _database(workdir: Path):
    """A DATABASE_URL for the server: a fresh PostgreSQL database next to DATABASE_URL's when that
    is PostgreSQL (dropped afterwards), otherwise a SQLite file in `workdir`."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        yield f"sqlite:///{workdir / 'e2e.sqlite3'}"
        return

    import psycopg
    from psycopg import sql

    admin_url = urllib.parse.urlunsplit(parts._replace(scheme="postgresql"))
    name = f"e2e_{os.getpid()}"

    def execute(statement):
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(sql.SQL(statement).format(sql.Identifier(name)))

    execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")  # left by a killed run with the same pid
    execute("CREATE DATABASE {}")
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def _server_environment(database_url: str, workdir: Path) -> dict[str, str]:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",  # pytest-django set it to the test settings
        "DATABASE_URL": database_url,
        "DEBUG": "true",  # runserver serves the static files
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(workdir / "media"),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "CERTIFICATE_SIGNING_KEY_FILE": str(workdir / "keys" / "certificate-signing-key.pem"),
        "REGISTRY_IMPORT_DIR": str(workdir / "imports"),
        # E-mails land as files the tests can read (e.g. the sign-up verification link).
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(workdir / "mail"),
        # The journeys log officers in through the admin's form; two-factor codes are tested in
        # tests/portal/test_two_factor.py, not typed here.
        "OTP_REQUIRED_ROLES": "",
        "PYTHONUNBUFFERED": "1",
    }
    # A cache of its own: a shared Redis would mix this database's cached pages and site roots
    # with the test database's.
    environment.pop("REDIS_URL", None)
    return environment


def _manage(environment: dict[str, str], *arguments: str) -> None:
    command = [sys.executable, "manage.py", *arguments]
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
    except subprocess.TimeoutExpired as timeout:
        pytest.fail(
            f"`manage.py {' '.join(arguments)}` took over {COMMAND_TIMEOUT} s:\n{timeout.output}", pytrace=False
        )
    if done.returncode:
        pytest.fail(
            f"`manage.py {' '.join(arguments)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}",
            pytrace=False,
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if server.poll() is not None:
            pytest.fail(f"runserver exited ({server.returncode}) before answering:\n{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered, if not with a page; the tests will say what is wrong
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"runserver did not answer {url} within {STARTUP_TIMEOUT} s:\n{log.read_text()}", pytrace=False)
        time.sleep(0.2)


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory):
    """`manage.py runserver` serving the demo data: its base URL (no trailing slash), where its
    e-mails land, and its environment (for `manage.py` commands on the same database)."""
    workdir = tmp_path_factory.mktemp("e2e")
    with _database(workdir) as database_url:
        environment = _server_environment(database_url, workdir)
        _manage(environment, "migrate", "--noinput")
        _manage(environment, "load_demo_data")
        port = _free_port()
        log = workdir / "runserver.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
                cwd=REPO,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_answering(f"{base_url}/", server, log)
            yield SimpleNamespace(base_url=base_url, mail_dir=workdir / "mail", environment=environment)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def server_shell(e2e_server, code: str) -> dict:
    """Run `code` with `manage.py shell` on the server's database (to find what a journey acts
    on, or to set up what it does not click through); the last line it prints is JSON."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO,
        env=e2e_server.environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    if done.returncode:
        pytest.fail(f"`manage.py shell` on the server's database failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- The browser (pytest-playwright's fixtures, adjusted) ----------------------------------------


@pytest.fixture(scope="session")
def base_url(e2e_server):
    """Relative addresses in page.goto() and expect(page).to_have_url() are the server's."""
    return e2e_server.base_url


@pytest.fixture(scope="session")
def mail_dir(e2e_server) -> Path:
    """Where the server writes the e-mails it sends, one file per message."""
    return e2e_server.mail_dir


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (Playwright's own browser download is not used)."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": browser_type_launch_args.get("headless", True),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A visitor in Qingdao whose browser prefers Chinese, on a desktop screen."""
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 800},
    }


@pytest.fixture
def context(context):
    context.set_default_timeout(PAGE_TIMEOUT)
    context.set_default_navigation_timeout(PAGE_TIMEOUT)
    return context


@pytest.fixture(scope="session")
def screenshots_dir():
    directory = REPO / "screenshots"
    directory.mkdir(exist_ok=True)
    return directory
