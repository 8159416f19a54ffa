"""Settings for the test suite: the same as dev, with fast hashing and no outside effects."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=tempfile.mkdtemp(prefix="portal-test-media-"))
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Pages are rendered afresh unless a test turns the page cache on (tests/portal/test_page_cache.py):
# tests assert on the render (context, query counts) and share one local-memory cache.
PAGE_CACHE_TIMEOUT = 0
SITE_CACHE_TIMEOUT = 0
REGISTRY_IMPORT_DIR = tempfile.mkdtemp(prefix="portal-test-imports-")
PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="portal-test-private-")
# A signing key for tests, never the developer's: generated on first use, and the same for the
# commands a test runs in a subprocess.
CERTIFICATE_SIGNING_KEY_FILE = env.path(
    "CERTIFICATE_SIGNING_KEY_FILE",
    default=Path(tempfile.gettempdir()) / "portal-test-keys" / "certificate-signing-key.pem",
)
# Likewise a personal data key of the tests' own.
PERSONAL_DATA_KEY_FILE = env.path(
    "PERSONAL_DATA_KEY_FILE", default=Path(tempfile.gettempdir()) / "portal-test-keys" / "personal-data-keys"
)
# Tests log officers in with force_login and open admin pages; tests/portal/test_two_factor.py turns
# two-factor authentication on for itself. Rate limits count across tests in a shared cache (Redis in
# CI): off, except in tests/portal/test_rate_limits.py.
OTP_REQUIRED_ROLES: list[str] = []
RATE_LIMITS_ENABLED = False
