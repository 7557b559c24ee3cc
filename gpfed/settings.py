"""Settings for gpfed, read from the environment.

Development (the default) runs on an embedded SQLite database with a throwaway secret key.
Production is switched on with ``GPFED_PRODUCTION=1`` and then refuses to start without a real
``SECRET_KEY`` and ``ALLOWED_HOSTS``. See docs/operations.md for every variable.
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GPFED_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("GPFED_PRODUCTION")
TESTING = "pytest" in sys.modules or env_bool("GPFED_TESTING")
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
DEMO_MODE = env_bool("GPFED_DEMO", default=not PRODUCTION)
# The demo's people have addresses here; in demo mode their invitation links are shown on the
# page (no mail leaves a demo). Anyone else's link goes by email alone.
DEMO_EMAIL_DOMAIN = "demo.gpfed.example"
# The demo accounts the sign-in page lists in demo mode. Named here, where the parts are put
# together, so that accounts (below the demo in the layer order) never imports the demo.
DEMO_ACCOUNTS = "demo.DEMO_USERS"

_DEV_SECRET = "gpfed-development-only-secret-key-never-use-in-production-0123456789"  # noqa: S105  # nosec B105
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION:
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET:
        raise ImproperlyConfigured(
            "GPFED_PRODUCTION is set but SECRET_KEY is missing or weak: set SECRET_KEY to a "
            "random string of at least 50 characters (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))')."
        )
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the host names gpfed is served on.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    # Before django_tasks_db: its `db_worker` command is that one with a heartbeat (issue 17).
    "gpfed.health",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "ninja",
    "accounts",
    "audit",
    "registry",
    "finance",
    "rota",
    "comms",
    "directory",
    "economics",
    "bids",
    "governance",
    "voice",
    "home",
    "demo",
]

MIDDLEWARE = [
    # First: the request id every later line carries, and one access line for every answer.
    "gpfed.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "gpfed.middleware.NullCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gpfed.middleware.PrivateNoStoreMiddleware",
    "accounts.middleware.SessionLimitMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "kernel.middleware.MethodNotAllowedPage",  # a page for a GET to a form button's address
    "gpfed.middleware.LoginRequiredMiddleware",
    "audit.origin.AuditOriginMiddleware",
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files served by the app itself after `manage.py collectstatic`; in development
    # Django's staticfiles app serves them from the source folders.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "gpfed.urls"
WSGI_APPLICATION = "gpfed.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gpfed" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gpfed.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'gpfed.sqlite3'}",
        # Persistent connections in production: a new PostgreSQL connection per request costs
        # more than most of gpfed's pages take to build (docs/performance.md).
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the task worker write while the web server reads; a busy timeout instead of
    # "database is locked" errors when both write at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not shared-cache memory: only a file locks as production does, so
    # the tests of two simultaneous posts are meaningful.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("GPFED_TEST_SQLITE", str(VAR_DIR / "test-gpfed.sqlite3"))
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    # Counts failed sign-ins and locks an account out after too many (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("GPFED_SIGN_IN_ATTEMPTS", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("GPFED_LOCKOUT_HOURS", "1"))
# Lock the account after repeated failures from anywhere (an IP alone would lock out a whole
# practice behind one address); the nested pair satisfies axes' own check.
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The sign-in form posts the email address as "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The person's address, also behind the reverse proxy (kernel/requests.py, GPFED_BEHIND_PROXY).
AXES_CLIENT_IP_CALLABLE = "kernel.requests.client_ip"

OTP_TOTP_ISSUER = "gpfed"

# A session ends after this long without a request (a request starts it again), and at the
# latest this long after signing in, however busy (accounts.middleware.SessionLimitMiddleware).
# API tokens have their own expiry and are not affected. A request starts the idle time again by
# saving the session, at most once a minute (GPFED_SESSION_RENEW_SECONDS), not on every request
# (Django's SESSION_SAVE_EVERY_REQUEST): a write on every page a person opens would cost more than
# many pages take to build. So the idle limit is met between one minute short of it and on time
# (a tenth of it short, for an idle limit under ten minutes).
SESSION_COOKIE_AGE = int(float(os.environ.get("GPFED_SESSION_IDLE_MINUTES", "30")) * 60)
GPFED_SESSION_RENEW_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
GPFED_SESSION_MAX_HOURS = float(os.environ.get("GPFED_SESSION_MAX_HOURS", "12"))

# Forgotten passwords: an emailed one-time link (Django's token), valid for an hour. Requests
# are counted per email address and per IP address over the last hour; past either limit the
# page refuses, whether or not the address has an account.
PASSWORD_RESET_TIMEOUT = 60 * 60
GPFED_PASSWORD_RESETS_PER_EMAIL = int(os.environ.get("GPFED_PASSWORD_RESETS_PER_EMAIL", "3"))
GPFED_PASSWORD_RESETS_PER_IP = int(os.environ.get("GPFED_PASSWORD_RESETS_PER_IP", "20"))

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "gpfed" / "static"]


# Documents people upload (contract papers, bulletin files, event materials, the library) are
# private: written and read only through Django's storage API (kernel/documents.py) and served
# only through a permission-checked view, never by a public or signed URL. GPFED_STORAGE=local
# (the default) keeps them in the folder MEDIA_ROOT; GPFED_STORAGE=s3 in a bucket of any
# S3-compatible store, which every web server and worker then shares. The credentials are
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment (or the machine's role),
# read by boto3, never written here. docs/operations.md, "Where documents are kept".
def s3_documents(
    *, bucket: str, endpoint_url: str | None = None, region: str | None = None, prefix: str = ""
) -> dict:
    """The default storage for documents in an S3-compatible bucket: objects private (no ACL
    of their own, so the bucket's, which must not be public), any URL a signed one that
    expires in five minutes, a name already taken never overwritten (two contracts' spec.pdf
    are two objects), bytes stored as uploaded (no gzip) so their SHA-256 holds."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "location": prefix.strip("/"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "custom_domain": None,
            "file_overwrite": False,
            "gzip": False,
            # a document being read back is held in memory up to this, on a temporary file past
            "max_memory_size": 8 * 1024 * 1024,
        },
    }


GPFED_STORAGE = os.environ.get("GPFED_STORAGE", "").strip().lower() or "local"
if GPFED_STORAGE == "local":
    _DOCUMENTS = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif GPFED_STORAGE == "s3":
    if not os.environ.get("GPFED_S3_BUCKET", "").strip():
        raise ImproperlyConfigured(
            "GPFED_STORAGE is s3 but GPFED_S3_BUCKET is not set: set it to the name of the "
            "private bucket documents are kept in (and GPFED_S3_ENDPOINT_URL for a store "
            "other than Amazon S3)."
        )
    _DOCUMENTS = s3_documents(
        bucket=os.environ["GPFED_S3_BUCKET"].strip(),
        endpoint_url=os.environ.get("GPFED_S3_ENDPOINT_URL", "").strip(),
        region=os.environ.get("GPFED_S3_REGION", "").strip(),
        prefix=os.environ.get("GPFED_S3_PREFIX", ""),
    )
else:
    raise ImproperlyConfigured(
        f"GPFED_STORAGE is {GPFED_STORAGE!r}: set it to local (a folder, the default) or s3 "
        "(an S3-compatible bucket)."
    )
STORAGES = {
    "default": _DOCUMENTS,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Source maps are kept (the browser's developer tools ask for them) but not compressed: only
# developers ever fetch them, and gzip and Brotli over the API pages' 24 MB of maps took two
# thirds of collectstatic (15 s to 5 s on two cores).
if PRODUCTION:
    from whitenoise.compress import Compressor

    WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# The documents' folder when GPFED_STORAGE is local (above). No MEDIA_URL: nothing is served
# from it directly.
MEDIA_ROOT = VAR_DIR / "documents"

# Where people reach gpfed, for links in email sent by the worker (no request to ask).
GPFED_BASE_URL = os.environ.get("GPFED_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# How long a worker holds the bulletin copies it has claimed; if it dies, another worker takes
# them when the lease runs out.
GPFED_DELIVERY_LEASE_SECONDS = int(os.environ.get("GPFED_DELIVERY_LEASE_SECONDS", "120"))
# The rota planner's time limit for a plan requested from a page (seconds).
GPFED_ROTA_SECONDS = int(os.environ.get("GPFED_ROTA_SECONDS", "60"))
# Uploads (kernel/uploads.py, one policy for every door): the largest file each door takes, in
# bytes. The request keeps no more than the largest of these of any file. The registry's own
# (national NHS files, a federation's populations) is GPFED_MAX_UPLOAD_BYTES; epraccur, the
# largest national file, is about 4 MB.
GPFED_MAX_UPLOAD_BYTES = int(os.environ.get("GPFED_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
GPFED_UPLOAD_LIMITS = {
    "import": GPFED_MAX_UPLOAD_BYTES,
    "activity": 10 * 1024 * 1024,
    "contract": 20 * 1024 * 1024,
    "library": 20 * 1024 * 1024,
    "event": 20 * 1024 * 1024,
    "bulletin": 5 * 1024 * 1024,
    "contacts": 2 * 1024 * 1024,
    "availability": 2 * 1024 * 1024,
    "votes": 2 * 1024 * 1024,
}
# An XLSX or DOCX is judged from its directory before it is opened: at most this many parts,
# unpacking to at most this much, none compressed more than `ratio` times (parts over 1 MB);
# a workbook's sheets may reach this many cells from A1 in all (the national ePCN workbook
# reaches about 100,000). A PDF may have this many pages.
GPFED_ARCHIVE_LIMITS = {
    "entries": 1000,
    "unpacked_bytes": 50 * 1024 * 1024,
    "ratio": 100,
    "cells": 1_000_000,
}
GPFED_PDF_MAX_PAGES = int(os.environ.get("GPFED_PDF_MAX_PAGES", "500"))
# How long a worker holds an upload it is importing; if it dies, the upload is tried again
# once when the lease runs out, then refused with a message, and its bytes are removed.
GPFED_UPLOAD_LEASE_SECONDS = int(os.environ.get("GPFED_UPLOAD_LEASE_SECONDS", "600"))
FILE_UPLOAD_HANDLERS = [
    "kernel.uploads.CeilingUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get("GPFED_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
# Every email comes from this address (bulletins and event emails carry their sender's own
# Reply-To, set on its archive page). By default gpfed's host name from GPFED_BASE_URL
# (https://gpfed.example.nhs.uk -> noreply@gpfed.example.nhs.uk); "localhost" for an address
# or a name without a dot, as in development. Set it to an address your mail server may send as.
_BASE_HOST = urlsplit(GPFED_BASE_URL).hostname or ""
_MAIL_HOST = (
    _BASE_HOST if "." in _BASE_HOST and not _BASE_HOST.replace(".", "").isdigit() else "localhost"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"gpfed <noreply@{_MAIL_HOST}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Content Security Policy: everything from gpfed itself; the NHS.UK frontend's fonts from
# assets.nhs.uk. No inline scripts or styles anywhere (htmx's inline indicator styles are off).
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "https://assets.nhs.uk"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Security headers. HTTPS-only settings apply in production; behind a TLS-terminating proxy set
# GPFED_BEHIND_PROXY=1 so Django trusts X-Forwarded-Proto, and gpfed takes the person's address
# from the X-Forwarded-For the proxy sets (kernel/requests.py).
GPFED_BEHIND_PROXY = env_bool("GPFED_BEHIND_PROXY")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # A load balancer asks /health/ over plain HTTP on the private network; it answers there
    # rather than being sent to HTTPS (the answers hold nothing but the checks' names).
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if GPFED_BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Observability (issue 17, docs/operations.md "Several machines"): /health/live and
# /health/ready (gpfed.health), one JSON log line per event, slow requests and queries, Sentry.
# A worker counts as alive for /health/ready if its heartbeat is this recent (seconds); each
# worker beats every GPFED_WORKER_HEARTBEAT_SECONDS.
GPFED_WORKER_STALE_SECONDS = int(os.environ.get("GPFED_WORKER_STALE_SECONDS", "120"))
GPFED_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("GPFED_WORKER_HEARTBEAT_SECONDS", "30"))
# A request or a database query slower than this (milliseconds) is logged at WARNING.
GPFED_SLOW_REQUEST_MS = float(os.environ.get("GPFED_SLOW_REQUEST_MS", "1000"))
GPFED_SLOW_QUERY_MS = float(os.environ.get("GPFED_SLOW_QUERY_MS", "200"))
# json: one JSON object a line (the default in production); plain: text, easier to read by eye.
GPFED_LOG_FORMAT = os.environ.get("GPFED_LOG_FORMAT", "json" if PRODUCTION else "plain")
if GPFED_LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(
        f"GPFED_LOG_FORMAT is {GPFED_LOG_FORMAT!r}: set it to json or plain (or leave it unset)."
    )
# Errors go to Sentry when SENTRY_DSN is set, without personal details (gpfed/sentry.py).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from gpfed.sentry import sentry_start

    sentry_start(
        dsn=SENTRY_DSN,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        environment=os.environ.get("SENTRY_ENVIRONMENT") or None,
    )

# Nothing in gpfed keeps anything in the cache that matters across processes or machines:
# sessions and sign-in lockouts (django-axes' database handler) and the password reset limits
# are in the database. Each process keeps its own local memory cache for what Django itself
# may cache. Anything shared added later belongs in django.core.cache.backends.db.DatabaseCache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "gpfed.logs.LogContextFilter"}},
    "formatters": {
        "plain": {
            "()": "gpfed.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {
            "()": "gpfed.logs.JsonLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": GPFED_LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO; only its warnings are worth reading.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},  # aiosmtpd, the local SMTP server of tests and bench
        # The access line per request is gpfed.access's (gpfed.middleware.RequestLogMiddleware);
        # runserver's own line would repeat it with the query string.
        "django.server": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
