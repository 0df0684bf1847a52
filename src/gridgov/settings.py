"""Django settings, configured from the environment: every GRIDGOV_* variable is in docs/deploy.md.

Production's unless a process declares a development environment (gridgov.devenv: `gridgov demo`, the bench,
the tests): with GRIDGOV_DEBUG off nothing starts without GRIDGOV_SECRET_KEY, the demo city (sim) and the
bench are not installed, and reading these settings writes nothing to disk.

GRIDGOV_DATABASE_URL  sqlite:///./gridgov.sqlite3 by default; postgresql://… in production
GRIDGOV_REDIS_URL     unset: background work in-process or in the sibling worker, the database cache;
                      set: Celery workers, and the cache in Redis
GRIDGOV_SECRET_KEY    required unless GRIDGOV_DEBUG is on or the process declared a development environment
GRIDGOV_HTTPS         1 in production: https only, HSTS, Secure cookies (docs/security.md: check --deploy)
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from gridgov.devenv import DEVELOPMENT_SECRET_KEY

PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout (src/gridgov/ → ../..); node_modules sits there after `make`.
PROJECT_DIR = PACKAGE_DIR.parent.parent


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str = "") -> list[str]:
    """A comma-separated variable as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _flag("GRIDGOV_DEBUG")
# No key, no server: with GRIDGOV_DEBUG off a missing key stops every process here (gunicorn's workers, the
# worker, each command). The demo, the bench and the tests declare the development key (gridgov.devenv).
SECRET_KEY = os.environ.get("GRIDGOV_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "GRIDGOV_SECRET_KEY is not set. With GRIDGOV_DEBUG off gridgov does not start without its own secret "
            "key (it signs sessions, CSRF tokens and password resets). Set GRIDGOV_SECRET_KEY to a long random "
            "string kept out of the repository, e.g. export GRIDGOV_SECRET_KEY=\"$(python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(50))')\". On a development machine `gridgov demo` needs nothing, or set "
            "GRIDGOV_DEBUG=1 (docs/deploy.md)."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
# Keys kept out of the database (core/keys.py): the audit chain's HMAC key and the personal-data key.
# Unset, each is derived from SECRET_KEY (fine for the demo; `check --deploy` asks for them).
GRIDGOV_AUDIT_KEY = os.environ.get("GRIDGOV_AUDIT_KEY", "")
GRIDGOV_DATA_KEY = os.environ.get("GRIDGOV_DATA_KEY", "")
# Rotating the data key (docs/security.md, `gridgov datakey rotate`): the key being replaced, still read
# (never written) until the rotation is done; and the key keyed digests stay under (default: the data key).
GRIDGOV_DATA_KEY_OLD = os.environ.get("GRIDGOV_DATA_KEY_OLD", "")
GRIDGOV_DIGEST_KEY = os.environ.get("GRIDGOV_DIGEST_KEY", "")
# Where `gridgov audit anchor` and its daily task write the signed chain heads: keep it (or a copy of
# it) outside the database's machine and backups. Default var/anchors/.
GRIDGOV_ANCHOR_DIR = os.environ.get("GRIDGOV_ANCHOR_DIR", "")
# Reporters' names and phones are erased this many days after their case is finished (cases/retention.py).
GRIDGOV_REPORTER_RETENTION_DAYS = int(os.environ.get("GRIDGOV_REPORTER_RETENTION_DAYS", "180"))
ALLOWED_HOSTS = _list("GRIDGOV_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "gridgov.core",
    "gridgov.grids",
    "gridgov.people",
    "gridgov.routing",
    "gridgov.worktime",
    "gridgov.notifications",
    "gridgov.registry",
    "gridgov.cases",
    "gridgov.patrols",
    "gridgov.sensors",
    "gridgov.visits",
    "gridgov.party",
    "gridgov.campaigns",
    "gridgov.exchange",
    "gridgov.points",
    "gridgov.mediation",
    "gridgov.deputies",
    "gridgov.stations",
    "gridgov.deliberation",
    "gridgov.portal",
    "gridgov.oversight",
    "gridgov.assessment",
    "gridgov.open311",
    "gridgov.web",
]
# The demo city (sim: its simulated people and their passwords) and the bench are not production apps: the
# demo, the bench and the tests add them (gridgov.devenv); production databases never get their tables.
GRIDGOV_DEMO_APPS = _flag("GRIDGOV_DEMO_APPS")
if GRIDGOV_DEMO_APPS:
    INSTALLED_APPS[INSTALLED_APPS.index("gridgov.web") : 0] = ["gridgov.sim", "gridgov.bench"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gridgov.core.staticfiles.StaticFilesMiddleware",  # WhiteNoise; STATIC_ROOT only once collected
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridgov.people.sessions.IdleTimeoutMiddleware",  # sessions end after a working day idle
    "gridgov.core.middleware.ChineseFirstLocaleMiddleware",
    "gridgov.core.middleware.RefuseNulMiddleware",  # U+0000 in any text: 400 before any view (issue 10)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gridgov.http.ratelimit.RateLimitMiddleware",  # requests of anyone not signed in, per client (限流)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gridgov.web.content_policy.ContentPolicyMiddleware",  # CSP header (+ the base map's tile hosts)
]

# Content-Security-Policy (web/content_policy.py, docs/security.md): our own origin only; no inline script or
# style, no eval. Data for scripts goes in json_script blocks; styles in our CSS files (JS may set el.style).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],  # + the base map's tile hosts, added per response
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "report-uri": "/csp-report/",
    },
}

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridgov.web.basemap.basemap",
                "gridgov.notifications.context_processors.inbox",
                "gridgov.web.signin.signed_in",
            ],
        },
    },
]

# The city's 12345 platform (gridgov.exchange.hotline): its base URL (unset: the adapter is off), the bearer
# token it gave us, and the field mapping (a JSON file; the shipped hotline/mapping.json when unset).
GRIDGOV_12345_URL = os.environ.get("GRIDGOV_12345_URL", "")
GRIDGOV_12345_TOKEN = os.environ.get("GRIDGOV_12345_TOKEN", "")
GRIDGOV_12345_MAPPING = os.environ.get("GRIDGOV_12345_MAPPING", "")

# Category suggestions (gridgov.routing.classifier): the model the retraining task writes, the function that
# classifies outside work orders (a dotted path; empty: none) and the confidence it needs to name a category.
GRIDGOV_CLASSIFIER_MODEL = os.environ.get(
    "GRIDGOV_CLASSIFIER_MODEL", str(PROJECT_DIR / "var" / "models" / "categories.joblib")
)
GRIDGOV_TEXT_CLASSIFIER = os.environ.get("GRIDGOV_TEXT_CLASSIFIER", "gridgov.routing.classifier.suggest.classify")
GRIDGOV_CLASSIFIER_THRESHOLD = float(os.environ.get("GRIDGOV_CLASSIFIER_THRESHOLD") or 0.5)

# Unset: background tasks run in-process after commit; set: they go to Celery workers on Redis.
GRIDGOV_REDIS_URL = os.environ.get("GRIDGOV_REDIS_URL", "")
# The cache every process of the site shares (rankings kept a few minutes must agree whichever process answers):
# Redis when there is one, else the database's table gridgov_cache (made by migration core 0006).
if GRIDGOV_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": GRIDGOV_REDIS_URL,
            "KEY_PREFIX": "gridgov",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gridgov_cache"}}
# Working hours for deadlines (worktime app); days off come from chinese-calendar and local overrides.
GRIDGOV_WORKING_HOURS = [("08:30", "12:00"), ("13:30", "17:30")]
GRIDGOV_NOTIFY_SENDERS = ["gridgov.notifications.senders.LogSender"]
# The maps' base layer (web/basemap.py): none works without internet; tianditu needs its key; the
# 审图号 of a Chinese provider is shown when set (never invented).
GRIDGOV_BASEMAP = os.environ.get("GRIDGOV_BASEMAP", "none").strip().lower()
GRIDGOV_TIANDITU_KEY = os.environ.get("GRIDGOV_TIANDITU_KEY", "").strip()
GRIDGOV_BASEMAP_REVIEW_NUMBER = os.environ.get("GRIDGOV_BASEMAP_REVIEW_NUMBER", "").strip()

DATABASE_URL = os.environ.get("GRIDGOV_DATABASE_URL") or "sqlite:///./gridgov.sqlite3"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=60)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so that
    # concurrent writers wait on busy_timeout instead of failing with "database is locked".
    # Connections persist as on PostgreSQL: a fresh one re-parses the schema and re-prepares every
    # statement (about a third of a report's time); idle connections hold no snapshot, so WAL
    # checkpoints still run.
    _db["CONN_HEALTH_CHECKS"] = True
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 10,
    }
DATABASES = {"default": _db}
# A PostgreSQL hot standby of the primary: dashboards, /stats/* and exports read there (core/dbrouter.py); writes,
# migrations and every other read stay on the primary. Tests mirror it onto the default database.
GRIDGOV_REPLICA_URL = os.environ.get("GRIDGOV_REPLICA_URL", "").strip()
if GRIDGOV_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(GRIDGOV_REPLICA_URL, conn_max_age=60),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["gridgov.core.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The password policy (docs/security.md): at least 10 characters, not like the username or name, not a
# common password, not all digits. people.services and the admin's password forms apply it.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A staff session ends after a working day without a request (an idle timeout: people.sessions renews it
# as it is used); API tokens live a working day too, renewable up to GRIDGOV_TOKEN_MAX_DAYS after the
# password was typed (people.services).
SESSION_COOKIE_AGE = int(os.environ.get("GRIDGOV_SESSION_HOURS") or 10) * 3600
GRIDGOV_TOKEN_HOURS = int(os.environ.get("GRIDGOV_TOKEN_HOURS") or 12)
GRIDGOV_TOKEN_MAX_DAYS = int(os.environ.get("GRIDGOV_TOKEN_MAX_DAYS") or 7)
# `gridgov worker` lowers its CPU priority by this much (nice): follow-up work waits while requests are
# served and catches up in the lulls (0: the same priority as the web workers).
GRIDGOV_WORKER_NICE = int(os.environ.get("GRIDGOV_WORKER_NICE") or 10)
# Households per grid by grid code prefix (grids/size_rules.py, also used by `gridgov grids check`; its
# system check refuses a malformed rule): JSON such as {"4108": {"min": 350, "max": 450}}; none set: 300–500 everywhere.
try:
    GRIDGOV_GRID_SIZE_RULES = json.loads(os.environ.get("GRIDGOV_GRID_SIZE_RULES") or "{}")
except ValueError as exc:
    raise ImproperlyConfigured(f"GRIDGOV_GRID_SIZE_RULES is not JSON: {exc}") from exc
# Sensors (sensors/alarms.py): a device's alarms within this many minutes (event time) of the alarm that opened
# a still-open case join that case; the category each kind of alarm is filed under (its class decides the
# deadlines and whether they run in clock hours), JSON such as {"smoke": "0105", "gas": "0105"}; none: uncategorised.
GRIDGOV_SENSOR_FOLD_MINUTES = int(os.environ.get("GRIDGOV_SENSOR_FOLD_MINUTES") or 30)
try:
    GRIDGOV_SENSOR_CATEGORIES = json.loads(os.environ.get("GRIDGOV_SENSOR_CATEGORIES") or "{}")
except ValueError as exc:
    raise ImproperlyConfigured(f"GRIDGOV_SENSOR_CATEGORIES is not JSON: {exc}") from exc

# Production behind HTTPS (docs/security.md, docs/deploy.md): GRIDGOV_HTTPS=1 redirects http to https
# (GRIDGOV_SSL_REDIRECT=0 leaves that to the proxy), sends HSTS and marks the cookies Secure. Behind a proxy
# that ends TLS, GRIDGOV_PROXY_SSL_HEADER names the header it sets to "https" (X-Forwarded-Proto); the proxy
# must overwrite that header from clients, and X-Forwarded-Host too when GRIDGOV_USE_X_FORWARDED_HOST=1.
GRIDGOV_HTTPS = _flag("GRIDGOV_HTTPS")
if GRIDGOV_HTTPS:
    SECURE_SSL_REDIRECT = _flag("GRIDGOV_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("GRIDGOV_HSTS_SECONDS") or 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("GRIDGOV_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _flag("GRIDGOV_HSTS_PRELOAD", True)  # allows listing; submitting is a separate step
if os.environ.get("GRIDGOV_PROXY_SSL_HEADER", "").strip():
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["GRIDGOV_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"),
        "https",
    )
USE_X_FORWARDED_HOST = _flag("GRIDGOV_USE_X_FORWARDED_HOST")
# Origins (scheme://host[:port]) whose forms may post here besides the site itself, e.g. when the proxy
# answers on another name or port than the one Django sees.
CSRF_TRUSTED_ORIGINS = _list("GRIDGOV_CSRF_TRUSTED_ORIGINS")

LOGIN_URL = "web:login"
# After signing in, each person lands on their role's page (web/signin.py home_page_for), not here.
LOGIN_REDIRECT_URL = "/"
# A stale form (CSRF check failed) gets a page in words with the way back, not Django's raw 403.
CSRF_FAILURE_VIEW = "gridgov.web.signin.csrf_failure"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("GRIDGOV_STATIC_ROOT", PROJECT_DIR / "var" / "static"))
# Front-end libraries come from the npm registry (package.json); `make` installs them here.
NODE_MODULES = Path(os.environ.get("GRIDGOV_NODE_MODULES", PROJECT_DIR / "node_modules"))
STATICFILES_DIRS = [
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/geoman", NODE_MODULES / "@geoman-io" / "leaflet-geoman-free" / "dist"),
]
# Served straight from the finders: no collectstatic step between a checkout and a running server. STATIC_ROOT
# is made by collectstatic only (core/staticfiles.py reads it when it is there).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = Path(os.environ.get("GRIDGOV_MEDIA_ROOT", PROJECT_DIR / "var" / "media"))
MEDIA_URL = "/media/"
# Photos are served only through an authorizing view (web/media.py). Behind nginx, set this to an
# `internal` location aliased to MEDIA_ROOT (e.g. /protected-media/): the view then answers with
# X-Accel-Redirect and nginx sends the file (docs/deploy.md, deploy/nginx/gridgov.conf).
GRIDGOV_MEDIA_ACCEL_REDIRECT = os.environ.get("GRIDGOV_MEDIA_ACCEL_REDIRECT", "").strip()
# The header a trusted reverse proxy puts the client's address in (e.g. X-Real-IP); unset: REMOTE_ADDR.
# Guessing of tracking codes is limited per client address, so behind a proxy this must be set.
GRIDGOV_CLIENT_IP_HEADER = os.environ.get("GRIDGOV_CLIENT_IP_HEADER", "").strip()
# Requests per client address of anyone not signed in (http/ratelimit.py RateLimitMiddleware; docs/security.md):
# budget → "N/period" (s, m, h, d) or "off". GRIDGOV_RATE_LIMITS="intake=40/1h,read=off" overrides some; "off":
# none at all (load tests from one address).
GRIDGOV_RATE_LIMITS = {
    "read": "600/10m",  # any GET, HEAD or OPTIONS not named below: pages, map data, locate, photos
    "write": "60/1h",  # any other method not named below (an anonymous endpoint added later, too)
    "intake": "20/1h",  # POST /api/v1/cases (the /report/ form posts there)
    "upload": "30/1h",  # POST /api/v1/uploads
    "track": "120/1h",  # /track/ and GET /api/v1/cases/{number}?tracking_code=
    "evaluate": "10/1h",  # a reporter's rating: /track/ action=evaluate, POST /api/v1/cases/{n}/actions/evaluate
    "signin": "300/1h",  # POST /login/, /admin/login/, /api/v1/auth/token (failures: people/login_guard.py)
}
GRIDGOV_RATE_LIMITS.update(
    {
        name: value
        for name, _, value in (
            item.strip().partition("=") for item in os.environ.get("GRIDGOV_RATE_LIMITS", "").split(",") if "=" in item
        )
    }
)
if os.environ.get("GRIDGOV_RATE_LIMITS", "").strip().lower() == "off":
    GRIDGOV_RATE_LIMITS = {}
# Where the counts live, shared by every process: this Redis (default GRIDGOV_REDIS_URL), else the database
# (and reads then in each process's memory).
GRIDGOV_RATE_LIMIT_REDIS_URL = os.environ.get("GRIDGOV_RATE_LIMIT_REDIS_URL", GRIDGOV_REDIS_URL).strip()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"gridgov": {"handlers": ["console"], "level": os.environ.get("GRIDGOV_LOG_LEVEL", "INFO")}},
}
