"""gunicorn's settings for `make serve` and for deployments (docs/deployment.md), read by
`gunicorn -c gunicorn.conf.py`. Each comes from an environment variable; the defaults suit one
small machine behind a reverse proxy on the same host."""

import os


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


wsgi_app = "portal.wsgi:application"  # production settings unless DJANGO_SETTINGS_MODULE says otherwise

# The loopback only: the reverse proxy (nginx) in front is what the world talks to. Set explicitly,
# since gunicorn's own default would listen on every interface whenever PORT is set.
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
# Processes per machine (gunicorn's WEB_CONCURRENCY is honoured too); about two per core is usual.
workers = _env_int("GUNICORN_WORKERS", _env_int("WEB_CONCURRENCY", 2))
threads = _env_int("GUNICORN_THREADS", 1)
# Long enough for the heavier pages and spreadsheet exports; bulk work goes to the RQ worker.
timeout = _env_int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Recycle workers now and then, so that a slow leak never grows without bound.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# The proxy logs requests; gunicorn's access log is off unless GUNICORN_ACCESS_LOG names a file
# ("-" for standard output). Errors go to standard error (the service manager's journal).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn's control socket (for `gunicornc`) is not used here; it would sit in the home folder,
# shared by every instance of the user.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
