"""Stepwise settings: one module, read from the environment.

With nothing set it runs on the embedded development defaults (SQLite in var/, local-memory
cache, eager Celery, console email). Production sets the variables listed in the README.
"""

import sys
from email.utils import parseaddr
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.live import channel_layers as live_channel_layers

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --- Core -------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=True)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production-0123456789")
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: with DEBUG=false Stepwise needs a SECRET_KEY in the environment."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "modeltranslation",  # before the admin: roadmap content in every language (roadmap/translation.py)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.usersessions",
    "csp",
    "django_htmx",
    "template_partials",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "roadmap",
    "community",
]
# The live process (config.asgi: the WebSocket at /ws/) loads only these: its sockets read
# sessions, the signed-in member and what they may follow, nothing that renders or serves a
# page. Each app left out is memory every live process would keep for nothing.
LIVE_PROCESS_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",  # the sign-in backends are allauth's
    "allauth.usersessions",
    "channels",
    "accounts",
    "roadmap",
    "community",
]

MIDDLEWARE = [
    "config.observability.RequestIdMiddleware",
    "config.page_cache.KeptPagesMiddleware",
    "config.language.LanguageMiddleware",
    "config.cache.VersionTokenScope",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.page_cache.PrivatePagesMiddleware",
    "config.sessions.SessionMiddleware",
    "config.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.AuthenticationMiddleware",
    "config.messages.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.csp.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "roadmap.history.SourceMiddleware",
    "config.input_guard.InputGuardMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accounts.context_processors.site",
                "community.context_processors.notifications",
            ],
            "libraries": {
                "fragments": "config.fragments",
                "live": "config.live_tags",
                "script_words": "config.script_words",
                "seo": "config.seo",
                "slots": "config.slots",
                "times": "config.times",
            },
        },
    },
]
# A mistake in a template's viewer slots (config.slots) raises instead of being logged: in
# development, and in the tests (tests/conftest.py).
SLOTS_STRICT = DEBUG

# --- Database ---------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'stepwise.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -----------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")
# Rendered pages and fragments are cached per release (config.cache.code_version): the
# deploy's version, else a hash of the code, templates and static files.
RELEASE = env("RELEASE", default="")
if REDIS_URL:
    _redis_options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": 0.5,
        "SOCKET_TIMEOUT": 0.5,
    }
    CACHES = {
        # A cache outage slows pages down; it never turns them into errors.
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "stepwise",
            "OPTIONS": _redis_options,
        },
        # Sessions fall back to the database, never to one process's memory.
        "sessions": {
            "BACKEND": "config.cache.ResilientSessionCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "stepwise-sessions",
            "OPTIONS": _redis_options,
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "stepwise"},
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sessions"},
    }

# --- Live updates (config.live, the ASGI process at /ws/) ----------------------------------

# Redis pub/sub between the processes that write and those holding sockets when REDIS_URL is
# set; one process's memory otherwise (`make run` serves both from one process).
CHANNEL_LAYERS = live_channel_layers(REDIS_URL)
# How often an open socket re-checks its session, the member's standing and what it follows.
LIVE_RECHECK_SECONDS = env.float("LIVE_RECHECK_SECONDS", default=30)
# Whether pages open the socket at all: false for a deployment that runs no live process.
LIVE_UPDATES = env.bool("LIVE_UPDATES", default=True)

SESSION_ENGINE = "config.sessions"  # cached_db that does not wait for Redis while it is unreachable
SESSION_CACHE_ALIAS = "sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

# --- Authentication ---------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.CachedModelBackend",
    "accounts.backends.CachedEmailBackend",
]
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm", "signup": "accounts.forms.SignupForm"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_USER_MODEL_EMAIL_FIELD = "email"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_BLACKLIST = [
    "admin", "administrator", "root", "staff", "mod", "moderator", "mentor", "mentors",
    "stepwise", "support", "help", "settings", "api", "null", "none", "anonymous",
]  # fmt: skip
# Failed logins are limited per client address and per account (the key is the account's email,
# whether its email or its username was typed; else what was typed: accounts.adapters): an
# address that keeps failing is refused whichever account it tries, and an account that keeps
# failing is refused from every address, while other accounts still sign in. The client address
# is the one ALLAUTH_TRUSTED_PROXY_COUNT (below, from NUM_PROXIES) finds behind the proxies.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Stepwise] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
USERSESSIONS_TRACK_ACTIVITY = False

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Stepwise"

SOCIALACCOUNT_PROVIDERS = {}
for _provider, _prefix in (("github", "GITHUB"), ("google", "GOOGLE")):
    _client_id = env(f"{_prefix}_CLIENT_ID", default="")
    if _client_id:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [{"client_id": _client_id, "secret": env(f"{_prefix}_CLIENT_SECRET"), "key": ""}],
        }
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

# --- Email ------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":  # noqa: F821 - set just above
    # The same SMTP, able to record a message's hand-over at the end of its data (config.mail).
    EMAIL_BACKEND = "config.mail.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Stepwise <hello@stepwise.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where members write to the mentors, e.g. to appeal a suspension.
CONTACT_EMAIL = env("CONTACT_EMAIL", default=parseaddr(DEFAULT_FROM_EMAIL)[1])

# --- Static files -----------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "config.staticfiles.StaticFilesStorage"
        )
    },
}

# --- Internationalisation ---------------------------------------------------------------

# The interface's languages (docs/translating.md says how to add one). Each request is served in
# the signed-in member's saved choice, else the language switcher's cookie, else the browser's
# Accept-Language, else English (config.language). The URL stays the same in every language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Roadmap content (titles, summaries, bodies) is translated beside the English text, which is
# the fallback of any field not yet translated (roadmap/translation.py).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security ---------------------------------------------------------------------------

# Proxies in front of the site that append to X-Forwarded-For (nginx in docs/deployment.md: 1).
# The address found there is the client's for every per-address limit: the API's throttles and
# allauth's (login, signup, password reset). 0 trusts only the peer address, which behind a
# proxy is the proxy's, shared by every visitor.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# Images in markdown (posts, notes, roadmap content) load only from these hosts, over https, so
# no other host learns who reads what; an image from elsewhere is shown as a link to it.
MARKDOWN_IMAGE_HOSTS = [host.lower() for host in env.list("MARKDOWN_IMAGE_HOSTS", default=[])]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *(f"https://{host}" for host in MARKDOWN_IMAGE_HOSTS)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

# --- Celery -----------------------------------------------------------------------------

# Without a broker, tasks run eagerly; kombu still opens a producer for each one sent, on this
# in-process transport, whose URL names a host so that kombu has none to guess (and warn about).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not (REDIS_URL or env("CELERY_BROKER_URL", default=""))
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # An unacknowledged task (its worker died) is redelivered after this many seconds (Redis).
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # Without these a publish to a broker that does not answer (host gone, Redis hung) waits
    # forever, and so would the web request that publishes. Reads must outlast BRPOP's 1 s poll.
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "schedule-digests": {
        "task": "community.tasks.schedule_digests",
        "schedule": crontab(minute="*/15"),
    },
    "sweep-digest-claims": {
        "task": "community.tasks.sweep_digest_claims",
        "schedule": crontab(minute="*/5"),
    },
    # The outbox's safety net: each post asks for a drain after its commit, but that request is
    # lost while the broker is down. A drain still queued when the next one is due is redundant.
    "drain-outbox": {
        "task": "community.tasks.drain_outbox",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    "prune-outbox": {
        "task": "community.tasks.prune_outbox",
        "schedule": crontab(minute=40),
    },
    # Claims past their time go back to the queue; requests nobody claimed for a week expire.
    "expire-reviews": {
        "task": "community.tasks.expire_reviews",
        "schedule": crontab(minute="*/10"),
    },
    # Notification emails: each drain that made one due asks for a run when it is due; this
    # one sends what a gathering window held back, retries, and settles dead workers' claims.
    "send-notification-emails": {
        "task": "community.tasks.send_notification_emails",
        "schedule": 20.0,
        "options": {"expires": 20},
    },
    # Where learners get stuck, per topic (community.insights): a full recompute, hourly.
    "refresh-topic-insights": {
        "task": "community.tasks.refresh_topic_insights",
        "schedule": crontab(minute=25),
        "options": {"expires": 3600},
    },
    # ... and between those, the topics whose history moved since the last run.
    "refresh-changed-topic-insights": {
        "task": "community.tasks.refresh_changed_topic_insights",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 300},
    },
}

# --- Digest emails ----------------------------------------------------------------------

DIGEST_BATCH_SIZE = env.int("DIGEST_BATCH_SIZE", default=50)
# A claim pending longer than this belongs to a worker that died; keep it above the task time
# limit (CELERY_TASK_TIME_LIMIT). With the sweep every 5 minutes, a dead worker's claims are
# retried within about 11 minutes.
DIGEST_CLAIM_TIMEOUT = env.int("DIGEST_CLAIM_TIMEOUT", default=360)
DIGEST_MAX_ATTEMPTS = 5
# The first retry of a batch the SMTP server refused waits a random time up to this many seconds
# (at least 1), each further one up to twice as long, at most 15 minutes.
DIGEST_RETRY_DELAY = env.int("DIGEST_RETRY_DELAY", default=60)
DIGEST_SMTP_TIMEOUT = 30

# --- Notification emails (community.notification_emails) -------------------------------

# The first email about a thread waits this many seconds, gathering what else comes in; after
# an email about a thread, the next one to that member about it waits for the window to end.
# With eager tasks (`make run` on the embedded defaults) there is no worker or beat to come back
# for an email held until later, so each goes out as it is made, to the console.
NOTIFICATION_EMAIL_DELAY = env.int("NOTIFICATION_EMAIL_DELAY", default=0 if CELERY_TASK_ALWAYS_EAGER else 30)
NOTIFICATION_EMAIL_WINDOW = env.int(
    "NOTIFICATION_EMAIL_WINDOW", default=0 if CELERY_TASK_ALWAYS_EAGER else 600
)
# As DIGEST_CLAIM_TIMEOUT: a claim pending longer than this belongs to a worker that died.
NOTIFICATION_EMAIL_CLAIM_TIMEOUT = env.int("NOTIFICATION_EMAIL_CLAIM_TIMEOUT", default=360)
# A failed email is tried again after 1 minute, then 2, 4, ... up to an hour between tries, for
# as long as the SMTP server is away; a day after its first try it is given up. Temporary
# refusals by a server that was reached count apart: after 5 of them it is not tried again.
NOTIFICATION_EMAIL_RETRY_DELAY = 60
NOTIFICATION_EMAIL_RETRY_MAX_DELAY = 3600
NOTIFICATION_EMAIL_RETRY_FOR = 24 * 3600
NOTIFICATION_EMAIL_MAX_ATTEMPTS = 5
NOTIFICATION_EMAIL_GROUPS_PER_RUN = 500  # emails a run claims at most; beat's next run goes on

# --- Outbox (follow-up work of posts: community.outbox) --------------------------------

OUTBOX_BATCH_SIZE = 100  # events claimed and processed per transaction
OUTBOX_MAX_ATTEMPTS = 10  # then an event is given up and left for a person to look at
OUTBOX_RETRY_DELAY = 30  # seconds before the first retry; doubles each time, up to an hour
OUTBOX_RETENTION_DAYS = 7  # processed events are kept this long, then pruned

# --- Mentorship (review requests: community.mentorship) --------------------------------

MENTOR_CLAIM_HOURS = env.int(
    "MENTOR_CLAIM_HOURS", default=48
)  # how long a claim holds, and an extension adds
REVIEW_UNCLAIMED_DAYS = 7  # a request nobody claimed for this long expires, and its learner is told

# --- REST framework ---------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "config.openapi.ApiAutoSchema",
    # The token class comes first: its challenge makes "not signed in" a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.api.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": None,
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.AnonymousRateThrottle",
        "config.api.UserRequestRateThrottle",
        "config.api.WriteRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_RATE_ANONYMOUS", default="120/minute"),
        "user": env("API_RATE_USER", default="600/minute"),
        "write": env("API_RATE_WRITE", default="60/minute"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stepwise API",
    "DESCRIPTION": (
        "Roadmaps, progress and discussions of Stepwise. Sign in with a personal API token from "
        "/settings/tokens/ (`Authorization: Bearer <key>`) or, in the browser, with your session. "
        'Errors are `{"error": {"code": ..., "message": ..., "fields": {...}}}`.'
    ),
    "VERSION": "1.0.0",
    # 3.1: its schemas are JSON Schema, which can say what a key may hold (`propertyNames`).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProgressStatusEnum": "roadmap.models.Progress.Status",
        "TopicKindEnum": "roadmap.models.Topic.Kind",
        "ResourceKindEnum": "roadmap.models.Resource.Kind",
        "PostStatusEnum": "community.models.Status",
        "FlagStatusEnum": "community.models.Flag.State",
        "ReactionKindEnum": "community.models.Reaction.Kind",
        "EmailModeEnum": "community.models.EmailPreference.Mode",
        "WatchLevelEnum": "community.models.WatchLevel",
        "FollowLevelEnum": "community.models.FollowLevel",
        "FollowKindEnum": ["thread", "tag", "topic"],
        "FlaggedPostKindEnum": ["thread", "comment"],
        "FlagReasonEnum": "community.models.Flag.Reason",
        "FlagReasonWithoutNoteEnum": ["spam", "abuse", "off_topic"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.state_that_requests_hold_no_nul",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Benchmarks -------------------------------------------------------------------------

# Mounts /bench/hello, the baseline view of bench/run, and installs the bench app (its
# `seed_bench` command). Never on in production.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)
if BENCH_ENDPOINTS:
    INSTALLED_APPS.append("bench")

# --- Logging and observability -----------------------------------------------------------

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
            "stream": sys.stderr,
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django_redis": {"level": "WARNING"},
        "django.security.DisallowedHost": {"level": "ERROR"},
    },
}

# Prometheus metrics at /metrics (restrict that path to your scraper at the proxy).
PROMETHEUS_METRICS = env.bool("PROMETHEUS_METRICS", default=False)
if PROMETHEUS_METRICS:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
    MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")

SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
