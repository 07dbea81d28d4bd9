"""Settings shared by every environment.

The database is SQLite unless ``DATABASE_URL`` names another (PostgreSQL in production); the
task queue is huey on SQLite unless ``HUEY_STORAGE=redis``. Every variable read here is listed
in docs/deployment.md.
"""

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("AFTERSALES_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    """The key of this checkout: made once, kept in var/ (never committed), so a fresh clone
    runs with no environment and sessions survive a restart. prod.py takes SECRET_KEY from
    the environment instead."""
    path = VAR_DIR / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
# Scheme and host the browser sees, when a proxy terminates TLS: https://aftersales.example.com
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: runserver serves static files through whitenoise too.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    # huey's own Django glue: settings.HUEY, the django-tasks backend and `manage.py run_huey`.
    "huey.contrib.djhuey",
    "ninja",
    # Login throttling: failed sign-ins per account and per address (workbench, API, admin).
    "axes",
    "aftersales.core",
    "aftersales.accounts",
    "aftersales.logistics",
    "aftersales.orders",
    "aftersales.cases",
    "aftersales.approvals",
    "aftersales.returns",
    "aftersales.messaging",
    "aftersales.tracking",
    "aftersales.parcels",
    "aftersales.watch",
    "aftersales.scorecards",
    "aftersales.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every answer (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Static files from the app itself, compressed and cached forever under hashed names.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The database away: 503 + Retry-After, never a bare 500 (inside it: sessions, auth).
    "aftersales.core.dbdown.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aftersales.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes wants: turns a sign-in refused for a lock into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "aftersales" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "aftersales.core.context_processors.calendar_status",
                "aftersales.approvals.context_processors.approval_count",
                "aftersales.accounts.context_processors.menu",
            ],
        },
    },
]


# A connection is kept for this many seconds and then closed at the end of a request. Under
# gunicorn a sync worker handles one request at a time and a gthread worker one per thread, so
# PostgreSQL sees at most workers × threads sessions per app server. 0 closes after every
# request (what pgbouncer in transaction mode wants).
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "60"))


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        db = dj_database_url.parse(url, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
        if db["ENGINE"] == "django.db.backends.postgresql":
            options = db.setdefault("OPTIONS", {})
            # Named in pg_stat_activity, so a DBA can tell our sessions from anyone else's.
            options.setdefault(
                "application_name", os.environ.get("DB_APPLICATION_NAME", "aftersales")
            )
            options.setdefault("connect_timeout", 5)
            # pgbouncer in transaction mode cannot keep a server-side cursor across statements.
            db["DISABLE_SERVER_SIDE_CURSORS"] = env_flag("DB_DISABLE_SERVER_SIDE_CURSORS", False)
        # One test database per run, so two test runs on one server never drop each other's.
        db["TEST"] = {"NAME": f"test_{db['NAME']}_{os.getpid()}"}
        return dict(db)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "aftersales.sqlite3",
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
        # instead of one failing with "database is locked" when it upgrades its read lock.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cases:inbox"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        # Django's, with its refusal in Chinese too.
        "NAME": "aftersales.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes sees every authenticate() (the workbench's login, the API's token, the admin's
# login) and refuses it while the account or the address is locked, even with the right
# password. An account is locked after AXES_FAILURE_LIMIT failures from anywhere; an address
# after LOGIN_ADDRESS_FAILURE_LIMIT failures on any accounts (an office behind one NAT makes
# a few typos a day). Each lock lifts LOGIN_COOLOFF_MINUTES after the last failure it counted;
# failures during a lock do not prolong it, so nobody can keep someone else locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "aftersales.accounts.lockout.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False  # a success would also clear its address's failures
AXES_LOCKOUT_CALLABLE = "aftersales.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "aftersales.accounts.lockout.client_ip"
AXES_VERBOSE = False
# The proxies whose X-Forwarded-For is believed, the same list gunicorn reads
# (config/gunicorn.conf.py): a client's address is the right-most one in the header that is
# not one of them. Requests from anywhere else are taken at their socket's address.
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# A session ends after this long without a request (each request starts the clock again).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "120")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# API tokens expire this many days after they are made (and on a password change).
API_TOKEN_LIFETIME = dt.timedelta(days=int(os.environ.get("API_TOKEN_LIFETIME_DAYS", "30")))

# Content Security Policy (django-csp): scripts, styles, fonts and requests from our own
# origin only; images from it and data: URIs (Bootstrap draws the select arrow and the check
# marks as data: SVGs). No inline <script>, <style> or style="": a page's code is a static
# file (see docs/deployment.md, "Content Security Policy").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic writes here (`make run` and every deploy do it); whitenoise serves it.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "aftersales" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, gzipped copies made by collectstatic; with DEBUG on, the plain names are served.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
# Case photos. With more than one app server this must be storage they all mount (NFS...).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Photo attachments: what a buyer's phone produces, and no more than this.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# A photo is decoded before it is kept; one of more pixels than this is refused (Pillow's
# decompression-bomb guard, which otherwise only warns below twice its default).
ATTACHMENT_MAX_PIXELS = 40_000_000
# Uploads, checked as they stream in, never read whole first: a request body other than
# files over DATA_UPLOAD_MAX_MEMORY_SIZE is refused (413); a file is kept in memory up to
# FILE_UPLOAD_MAX_MEMORY_SIZE and spooled to a temporary file beyond; no file may exceed
# UPLOAD_MAX_BYTES, nor a case photo ATTACHMENT_MAX_BYTES (aftersales.core.uploads counts
# the bytes as they arrive and keeps none past the limit).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_MB", "64")) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "aftersales.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# URL names (namespace:name) whose files have a smaller cap than UPLOAD_MAX_BYTES.
UPLOAD_MAX_BYTES_BY_URL_NAME = {
    "cases:attach": ATTACHMENT_MAX_BYTES,
    "api:add_attachment": ATTACHMENT_MAX_BYTES,
}
FILE_UPLOAD_PERMISSIONS = 0o640

# Background work: Django's Tasks API (django-tasks) on huey, glued by huey's own djhuey.
# SQLite storage for one machine; Redis when web servers and workers are several machines.
HUEY_STORAGE = os.environ.get("HUEY_STORAGE", "sqlite")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
_HUEY_STORAGES: dict[str, dict[str, Any]] = {
    "sqlite": {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")},
    "redis": {"huey_class": "huey.RedisHuey", "url": REDIS_URL},
}
if HUEY_STORAGE not in _HUEY_STORAGES:
    raise ImproperlyConfigured(f"HUEY_STORAGE must be sqlite or redis, not {HUEY_STORAGE!r}")
HUEY: dict[str, Any] = {
    "name": os.environ.get("HUEY_NAME", "aftersales"),
    **_HUEY_STORAGES[HUEY_STORAGE],
    # djhuey would otherwise run tasks in the web process whenever DEBUG is on.
    "immediate": False,
    # What `manage.py run_huey` runs with unless its options say otherwise. Exactly one
    # consumer of a deployment enqueues the periodic jobs: HUEY_PERIODIC=0 (or
    # `run_huey --no-periodic`) on every other one.
    "consumer": {
        "workers": int(os.environ.get("HUEY_WORKERS", "2")),
        "worker_type": "thread",
        "periodic": env_flag("HUEY_PERIODIC", True),
    },
}

TASKS = {
    "default": {
        "BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend",
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes: each failed sign-in and each lock is a warning; its chatter is not.
        "axes": {"level": "WARNING"},
    },
}

# The courier area's tracking. Kuaidi100 signs each push with the salt given when the waybill
# was subscribed; without one every push is refused. TRACKING_ADAPTERS names the polling
# adapters (dotted paths); none in production unless set. The demo (run.py, dev.py) polls the
# simulated carrier.
KUAIDI100_SALT = os.environ.get("KUAIDI100_SALT", "")
TRACKING_ADAPTERS: list[str] = env_list("TRACKING_ADAPTERS")
