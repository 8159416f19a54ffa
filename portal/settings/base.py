"""Settings shared by every environment.

Everything that differs between a newcomer's laptop and a deployment comes from environment
variables (see README and docs/deployment.md): DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS,
DEBUG, TASKS_BACKEND, PAGE_CACHE_TIMEOUT.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

PORTAL_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PORTAL_DIR.parent

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "audit",
    "registry",
    "federation",
    "evaluation",
    "portal",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "import_export",
    "ninja",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.security.csp.ContentSecurityPolicyMiddleware",
    # Before anything that may query the database with the request's text (sessions, redirects).
    "portal.security.null_bytes.NullBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Cached pages for anonymous visitors, before authentication and Wagtail's routing.
    "portal.page_cache.PageCacheMiddleware",
    "portal.site_cache.SiteCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.security.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PORTAL_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# The embedded default is a SQLite file in the project folder; DATABASE_URL switches to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# A connection kept between requests (`?conn_max_age=60`, docs/deployment.md) is checked before a
# request reuses it: after a database restart, no request fails on a connection that died.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    INSTALLED_APPS.append("django.contrib.postgres")
    # For each connection (unless DATABASE_URL sets `?options=`): no JIT compilation, which took 50
    # to 90 ms of a directory search whenever the planner expected many rows, more than it saved;
    # and sorts and bitmaps in memory up to 32 MB, where the default 4 MB made a common word's
    # matches a lossy bitmap (every row of a page rechecked) and its sort spill to disk
    # (docs/performance.md, docs/deployment.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off -c work_mem=32MB")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Local memory by default; REDIS_URL moves cache and sessions to Redis so that several app
# servers share them.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work goes through the django-tasks API. The embedded default runs tasks at once, inside
# the request; TASKS_BACKEND=rq (with REDIS_URL) puts them on Redis Queue, run by `manage.py rqworker`
# (`make worker`). Any other value is taken as a backend's dotted path.
_TASKS_BACKEND_ALIASES = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}
_tasks_backend = env.str("TASKS_BACKEND", default="immediate")
_tasks_backend = _TASKS_BACKEND_ALIASES.get(_tasks_backend, _tasks_backend)
TASKS = {"default": {"BACKEND": _tasks_backend}}
if _tasks_backend == _TASKS_BACKEND_ALIASES["rq"]:
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL: the queue lives in Redis.")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # Our tasks and Wagtail's all use the queue "default". A bulk certificate run may take long,
    # hence the generous job timeout; results stay a day so that task results remain readable.
    TASKS["default"]["QUEUES"] = ["default"]
    RQ_QUEUES = {
        "default": {
            "URL": REDIS_URL,
            "DEFAULT_TIMEOUT": env.int("RQ_JOB_TIMEOUT", default=3600),
            "DEFAULT_RESULT_TTL": env.int("RQ_RESULT_TTL", default=86400),
        }
    }
    # django-tasks-rq runs tasks through its own job class; set here so `rqworker` needs no flag.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}

# Anonymous visitors' copies of the public directory and organization pages (portal/page_cache.py),
# dropped whenever an organization changes; 0 turns the page cache off.
PAGE_CACHE_TIMEOUT = env.int("PAGE_CACHE_TIMEOUT", default=300)
# Wagtail's per-request lookups (site, page tree, settings) kept between requests (portal/site_cache.py).
SITE_CACHE_TIMEOUT = env.int("SITE_CACHE_TIMEOUT", default=300)

# The lockout check first (it logs nobody in, it refuses a locked-out username before any password
# is compared); then ModelBackend, the one that logs people in (and the one test clients use).
AUTHENTICATION_BACKENDS = [
    "portal.security.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "rules.permissions.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.security.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "wagtailadmin_login"
# Every session ends 8 hours after login, whoever it belongs to.
SESSION_COOKIE_AGE = 8 * 60 * 60

# Login lockout (django-axes, portal/security/lockout.py): 5 failed logins for one username from one
# address lock that username there for 15 minutes, on the site's login and the admin's alike; a
# successful login clears the count. Behind TRUSTED_PROXY_COUNT proxies the address is taken from
# X-Forwarded-For (portal/security/client_ip.py), as for the rate limits.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # locked for 15 minutes, not 15 after the last try
AXES_DISABLE_ACCESS_LOG = True  # count failures only; no row for every successful login
AXES_ENABLE_ADMIN = False  # no django.contrib.admin here
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "portal.security.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "portal.security.lockout.lockout_response"
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Two-factor authentication (TOTP codes from an authenticator app; portal/security/two_factor.py) before
# any admin page, for these roles (stable Role codes; "superuser" for superusers). OTP_REQUIRED_ROLES=
# (empty) turns it off for the end-to-end tests' server; production always requires at least these.
TWO_FACTOR_ROLES = ["city_officer", "district_officer", "agency_manager", "committee_member", "superuser"]
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=TWO_FACTOR_ROLES)
OTP_TOTP_ISSUER = "市南区社会组织门户"  # the account's name in the authenticator app

# Requests per client address (portal/security/rate_limits.py): "N/s", "N/m", "N/h" or "N/d";
# RATE_LIMITS_ENABLED=false turns every limit off (benchmarks with in-process clients).
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
RATE_LIMITS = {
    "directory_search": env.str("RATE_LIMIT_DIRECTORY_SEARCH", default="60/m"),
    "api": env.str("RATE_LIMIT_API", default="120/m"),
}

# Content Security Policy (django-csp; portal/security/csp.py): scripts only from our own static
# files, never inline; inline style attributes are allowed (the charts' colours, a few templates).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}
# What the Wagtail admin needs besides: its own templates still carry inline scripts (date pickers,
# inline panels), and its image editor works on blob: URLs.
CONTENT_SECURITY_POLICY_ADMIN = {
    "script-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = False

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))  # the file backend's folder
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@shinan-mzj.example")

WAGTAIL_SITE_NAME = "市南区社会组织登记与评估门户"
# No calls to outside services from the admin (the Content Security Policy would refuse them anyway).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# The most files one request may carry: the largest form (an appeal) takes 5. Beyond this Django
# answers 400 before any file is parsed.
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Spreadsheet import: at most this many data rows in one file, so a huge sheet cannot
# exhaust the server.
REGISTRY_IMPORT_MAX_ROWS = env.int("REGISTRY_IMPORT_MAX_ROWS", default=20_000)
REGISTRY_IMPORT_MAX_BYTES = env.int("REGISTRY_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

# The short name in the district's filing numbers (市南备字〔2026〕第0001号).
REGISTRY_FILING_PREFIX = env.str("REGISTRY_FILING_PREFIX", default="市南")
# Uploaded spreadsheets wait here between the preview and the confirm step (never public).
REGISTRY_IMPORT_DIR = env.path("REGISTRY_IMPORT_DIR", default=BASE_DIR / "var" / "imports")

# Uploaded materials: checked by content, at most this size, kept outside MEDIA_ROOT and served
# only through views that check permissions.
REGISTRY_UPLOAD_MAX_BYTES = env.int("REGISTRY_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
REGISTRY_MATERIALS_PER_APPLICATION = env.int("REGISTRY_MATERIALS_PER_APPLICATION", default=20)
REGISTRY_ATTACHMENTS_PER_RECORD = env.int("REGISTRY_ATTACHMENTS_PER_RECORD", default=10)
# Files per item: per material type of an application, per indicator of an evaluation case.
UPLOAD_MAX_FILES_PER_ITEM = env.int("UPLOAD_MAX_FILES_PER_ITEM", default=10)
# Uploaded XLSX files are refused before a parser opens them when they unpack to more than this,
# hold more members, or a large member is compressed more than UPLOAD_XLSX_MAX_RATIO to 1 (a ZIP
# bomb: a few kilobytes that unpack to gigabytes).
UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES = env.int("UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES", default=50 * 1024 * 1024)
UPLOAD_XLSX_MAX_MEMBERS = env.int("UPLOAD_XLSX_MAX_MEMBERS", default=500)
UPLOAD_XLSX_MAX_RATIO = env.int("UPLOAD_XLSX_MAX_RATIO", default=100)
# Dotted paths of callables `scan(file) -> None` that raise ValidationError to refuse a file, run on
# every stored upload and imported file (docs/deployment.md shows ClamAV). Comma-separated.
UPLOAD_SCANNERS = env.list("UPLOAD_SCANNERS", default=[])
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")

# Days after an annual report's due date (31 May) before a missing report puts the organization on
# the abnormal list; DESIGN.md asks for a grace period without fixing its length.
REGISTRY_ANNUAL_REPORT_GRACE_DAYS = env.int("REGISTRY_ANNUAL_REPORT_GRACE_DAYS", default=30)

# Days an applicant has to correct and resubmit an application returned for correction (补正);
# the deadline is set on the return and shown and reminded like any other (DESIGN.md section 7).
APPLICATION_CORRECTION_DAYS = env.int("APPLICATION_CORRECTION_DAYS", default=30)

# Personal data (legal representatives' ID numbers and phones) is encrypted at rest with Fernet keys
# (registry/encryption.py): PERSONAL_DATA_KEYS (comma-separated, newest first), or else the file
# PERSONAL_DATA_KEY_FILE (one key per line, newest first; outside git). The embedded default
# generates that file on first use; production requires one of the two.
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[])
PERSONAL_DATA_KEY_FILE = env.path("PERSONAL_DATA_KEY_FILE", default=BASE_DIR / "var" / "keys" / "personal-data-keys")
PERSONAL_DATA_KEY_GENERATE = True

# Certificates (docs/certificates.md). The issuer's Ed25519 signing key: the PEM text in
# CERTIFICATE_SIGNING_KEY, or else the file CERTIFICATE_SIGNING_KEY_FILE (outside git); the
# embedded default generates that file on first use, production requires one of the two.
CERTIFICATE_SIGNING_KEY = env.str("CERTIFICATE_SIGNING_KEY", default="")
CERTIFICATE_SIGNING_KEY_FILE = env.path(
    "CERTIFICATE_SIGNING_KEY_FILE", default=BASE_DIR / "var" / "keys" / "certificate-signing-key.pem"
)
CERTIFICATE_SIGNING_KEY_GENERATE = True
# Public keys that signed earlier certificates before a key rotation: PEM files or directories of
# them (comma-separated in the environment); a certificate is checked against the key its key_id names.
CERTIFICATE_RETIRED_PUBLIC_KEYS = env.list("CERTIFICATE_RETIRED_PUBLIC_KEYS", default=[])
# The words before the year in certificate numbers (市南社评字〔2026〕第003号) by the issuing bureau's
# division code ("370202=市南社评字,370200=青社评字"); a bureau not named here uses words derived from
# its name (市南区 → 市南社评字, 青岛市 → 青社评字). Numbers run per bureau and year, whatever the words.
CERTIFICATE_NUMBER_PREFIXES = env.dict("CERTIFICATE_NUMBER_PREFIXES", default={})
# The public site's address, printed (as a QR code) on certificates for their verification page.
PORTAL_PUBLIC_URL = env.str("PORTAL_PUBLIC_URL", default="http://127.0.0.1:8000")
