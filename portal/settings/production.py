"""Deployment settings: refuse to start unless the essentials come from the environment."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
    if not env.str(required, default=""):
        raise ImproperlyConfigured(f"Production settings need the environment variable {required}.")
# Certificates are signed with the bureau's one key and point to the public site: never make up a
# new key (old certificates would stop verifying) or print a local address.
if not env.str("CERTIFICATE_SIGNING_KEY", default="") and not (
    env.str("CERTIFICATE_SIGNING_KEY_FILE", default="") and Path(str(CERTIFICATE_SIGNING_KEY_FILE)).is_file()  # noqa: F405
):
    raise ImproperlyConfigured(
        "Production settings need CERTIFICATE_SIGNING_KEY, or CERTIFICATE_SIGNING_KEY_FILE naming an existing key "
        "file (docs/certificates.md)."
    )
# Personal data is encrypted with the bureau's keys: a key made up on one machine would leave what it
# encrypted unreadable to the others, and the data lost with the machine.
if not env.list("PERSONAL_DATA_KEYS", default=[]) and not (
    env.str("PERSONAL_DATA_KEY_FILE", default="") and Path(str(PERSONAL_DATA_KEY_FILE)).is_file()  # noqa: F405
):
    raise ImproperlyConfigured(
        "Production settings need PERSONAL_DATA_KEYS, or PERSONAL_DATA_KEY_FILE naming an existing key file "
        "(docs/deployment.md)."
    )
PERSONAL_DATA_KEY_GENERATE = False
if not env.str("PORTAL_PUBLIC_URL", default=""):
    raise ImproperlyConfigured("Production settings need the environment variable PORTAL_PUBLIC_URL.")
CERTIFICATE_SIGNING_KEY_GENERATE = False

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Two-factor authentication for the back office cannot be turned off here; the environment may only
# add roles to it.
OTP_REQUIRED_ROLES = sorted({*TWO_FACTOR_ROLES, *OTP_REQUIRED_ROLES})  # noqa: F405
# nginx in front (docs/deployment.md) appends the client's address to X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
)
