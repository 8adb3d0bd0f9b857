"""Django settings, all read from the environment through ecert.config (see docs/operations.md)."""

from __future__ import annotations

import os
from pathlib import Path

import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from ecert.config import read_config

django_stubs_ext.monkeypatch()  # lets admin.ModelAdmin[Model] and QuerySet[Model] subscript at run time

PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG = read_config()

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts
ECERT_MODE = CONFIG.mode
ECERT_DATA_DIR = CONFIG.data_dir
ECERT_PII_KEY = CONFIG.pii_key
ECERT_VERIFY_HOST = CONFIG.verify_host
ECERT_VERIFY_SCHEME = CONFIG.verify_scheme
ECERT_KEYSTORE = CONFIG.keystore
ECERT_PAPER_OVERDUE_MONTHS = CONFIG.paper_overdue_months
# "thread": each process that logs verifications on PostgreSQL drains its spool; "worker": only
# `ecert worker` and reading the log do (verification/spool.py).
ECERT_SPOOL_DRAIN = CONFIG.spool_drain
ECERT_VERIFY_LOG_SYNC = CONFIG.spool_sync
# A lock taken out of the order of ecert.audit.locks raises when on (tests turn it on), else it is
# logged with its stack.
ECERT_LOCK_ORDER_CHECK = DEBUG
# Certificate fonts: the committed OFL subset first, then any folders a deployment adds
# (ECERT_FONT_DIRS, separated by ":"). A text no font covers is refused before issuance.
ECERT_FONT_DIRS = [PACKAGE_DIR / "data" / "fonts"] + [
    Path(part) for part in os.environ.get("ECERT_FONT_DIRS", "").split(":") if part
]
ECERT_FACES_DIR = PACKAGE_DIR / "data" / "faces"
# What an uploaded workbook may unpack to (docs/operations.md, "Uploaded files"): all its parts
# together at most ECERT_SPREADSHEET_MAX_UNPACKED bytes and ECERT_SPREADSHEET_MAX_RATIO times the
# file's size; its shared-strings table, held in memory, at most ..._MAX_SHARED_STRINGS (weighed).
ECERT_SPREADSHEET_MAX_UNPACKED = int(os.environ.get("ECERT_SPREADSHEET_MAX_UNPACKED", 2 * 2**30))
ECERT_SPREADSHEET_MAX_RATIO = int(os.environ.get("ECERT_SPREADSHEET_MAX_RATIO", 100))
ECERT_SPREADSHEET_MAX_SHARED_STRINGS = int(
    os.environ.get("ECERT_SPREADSHEET_MAX_SHARED_STRINGS", 2**30)
)
# Request bodies (ecert.body_limits): a stranger's at most a 10 MiB PDF and its form; a signed-in
# user's or an API token's at most a pass list and its photo archive (512 MiB each).
ECERT_MAX_ANONYMOUS_BODY = int(os.environ.get("ECERT_MAX_ANONYMOUS_BODY", 12 * 2**20))
ECERT_MAX_BODY = int(os.environ.get("ECERT_MAX_BODY", 1040 * 2**20))
# An RFC 3161 timestamp authority: sealed PDFs become PAdES B-T instead of B-B.
ECERT_TSA_URL = os.environ.get("ECERT_TSA_URL", "")
# The HTTP mail carrier (docs/operations.md, "Mail carrier"): None sends mail by files only.
ECERT_CARRIER = CONFIG.carrier
# Holders' sign-in through the province's government service (OpenID Connect, docs/holders.md):
# None offers only the ID number and password form.
ECERT_OIDC = CONFIG.oidc

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ecert.authorities",
    "ecert.accounts",
    "ecert.catalogue",
    "ecert.credentials",
    "ecert.audit",
    "ecert.signing",
    "ecert.issuance",
    "ecert.documents",
    "ecert.verification",
    "ecert.titles",
    "ecert.distribution",
    "ecert.replacement",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API documentation's scripts locally (no CDN)
    "ecert.backoffice",
    "ecert.portal",
    "ecert.public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ecert.body_limits.BodyLimitMiddleware",  # before anything parses a body (CSRF, views)
    "ecert.sqlite_lock.LockBusyMiddleware",  # SQLite's lock still taken after the timeout: 503
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ecert.urls"
WSGI_APPLICATION = "ecert.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "ecert.backoffice.context.navigation",
                "ecert.portal.context.portal",
            ],
        },
    },
]

DATABASES = {"default": CONFIG.database}
if CONFIG.database_replica is not None:
    # Verification reads from a streaming replica, writes and the rest from the primary
    # (ecert.replicas, docs/scaling.md); installed only when DATABASE_REPLICA_URL is set.
    DATABASES["replica"] = CONFIG.database_replica
    DATABASE_ROUTERS = ["ecert.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(1, "ecert.replicas.ReplicaReadsMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (big imports) without a broker: tasks are rows, `ecert worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Shared by the web and worker processes on one machine: import progress is written here, because
# the import's own transaction keeps its rows invisible (and SQLite's write lock held) until commit.
# With several machines, ECERT_CACHE_URL names a Redis server that all of them share, so that rate
# limits and quotas are counted once for the deployment (docs/scaling.md).
CACHES = {
    "default": CONFIG.cache
    or {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(ECERT_DATA_DIR / "cache"),
    }
}

AUTH_USER_MODEL = "accounts.User"
# Staff sign in with a user name; holders with their ID number and password, or through the
# government service app (ECERT_OIDC above; the portal's own views, docs/holders.md).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "ecert.accounts.backends.HolderIdNumberBackend",
]
LOGIN_URL = "backoffice:login"
LOGIN_REDIRECT_URL = "backoffice:dashboard"
LOGOUT_REDIRECT_URL = "backoffice:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = ECERT_DATA_DIR / "static"
MEDIA_ROOT = ECERT_DATA_DIR / "media"
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if ECERT_MODE == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},  # announces its logging bridge at INFO on every start
    },
}
