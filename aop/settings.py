"""AOP settings. Everything that differs between machines comes from the environment (see README)."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from aop.env import env_bool, env_database, env_int, env_list, env_str


def env_positive(name: str, value: int, *, zero: bool = False) -> int:
    """`value` (read from `name`), refused at start-up when below 1 (below 0 with `zero`)."""
    if value < (0 if zero else 1):
        raise ImproperlyConfigured(f"{name}={value} must be {'0 or more' if zero else '1 or more'}.")
    return value


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("AOP_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "csp",
    # The five steps, in layer order: a later app may import an earlier one, never the reverse.
    "core",
    "orgs",
    "planning",
    "capabilities",
    "budgets",
    "metrics",
    "sellers",
    "scenarios",
    "onepager",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LocaleMiddleware",  # numbers and dates in the reader's locale (core.formatting)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.security.SessionLimitsMiddleware",
    "core.security.RefusalLogMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# Failed sign-ins (django-axes): AXES_FAILURE_LIMIT for one username from one address, and the higher
# AOP_ADDRESS_FAILURE_LIMIT for an address whatever the usernames (core.security.SignInLockout), so one
# person's typos do not lock everyone behind the same office address. The model backend does the rest.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_positive("AXES_FAILURE_LIMIT", env_int("AXES_FAILURE_LIMIT", 5))
AOP_ADDRESS_FAILURE_LIMIT = env_positive(
    "AOP_ADDRESS_FAILURE_LIMIT", env_int("AOP_ADDRESS_FAILURE_LIMIT", 50)
)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], ["ip_address"]]  # the pair first: SignInLockout
AXES_HANDLER = "core.security.SignInLockout"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address for the lockout and the security log: REMOTE_ADDR, or behind this many trusted
# proxies the address the outermost one appended to X-Forwarded-For (0: the header is ignored).
AOP_PROXY_COUNT = env_positive("AOP_PROXY_COUNT", env_int("AOP_PROXY_COUNT", 0), zero=True)
AXES_CLIENT_IP_CALLABLE = "core.security.client_address"

ROOT_URLCONF = "aop.urls"
WSGI_APPLICATION = "aop.wsgi.application"

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
                "orgs.context_processors.seat",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'aop.sqlite3'}")}
# A read replica of the same database, for report reads only (core.replica says which); never migrated.
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = env_database("DATABASE_REPLICA_URL", "") | {"TEST": {"MIRROR": "default"}}
    if DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must use the same database engine as DATABASE_URL.")
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "planning:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False  # numbers are grouped by the money/number filters; years and ids never

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfinders.PackageFileFinder",  # plotly.js from the plotly package
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Security: production values pass `manage.py check --deploy` with no warnings.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Sessions end after an idle time (every request renews the cookie) and, whatever happens, after an
# absolute time since sign-in (core.security.SessionLimitsMiddleware).
AOP_SESSION_IDLE_MINUTES = env_int("AOP_SESSION_IDLE_MINUTES", 30)
AOP_SESSION_MAX_HOURS = env_int("AOP_SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = AOP_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
# Content-Security-Policy: only this origin's scripts; inline styles stay allowed for plotly's charts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- E-mail: the console by default, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AOP <aop@localhost>")
# Where the app is reached, for links in e-mails (no trailing slash).
AOP_BASE_URL = env_str("AOP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport, which needs no server
# and still runs a real worker and beat (see aop/celery.py).
REDIS_URL = env_str("REDIS_URL", "")
# The cache holds what every page reads and rarely changes (core.formatting: the company's display
# settings). In Redis when there is one, so that all gunicorn workers see a change at once.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 35 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {
        # A message a worker took and never acknowledged (it died: tasks are acked late) goes back to the
        # queue after this many seconds. Above the longest hard time limit (metrics.tasks.run_import,
        # 30 min), or Redis would hand a job still running to a second worker.
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # A broker that vanishes without closing the connection must not hold a request for ever.
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
    }
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Queues, so that imports and report building scale on their own workers (README, "Past one machine"):
# the workers of Procfile.dev and docker-compose.yml consume all three; every other task goes to `celery`.
CELERY_TASK_ROUTES = {
    "metrics.tasks.run_import": {"queue": "imports"},
    "metrics.tasks.run_pull": {"queue": "imports"},
    "metrics.tasks.rollup_quarter": {"queue": "reports"},
    "onepager.tasks.build_pack": {"queue": "reports"},
    "onepager.tasks.prerender": {"queue": "reports"},
}

# --- Pull sources (metrics.credentials): Fernet keys, comma-separated, that encrypt the credentials of
# pull sources at rest. The first encrypts, every one decrypts: to change the key, put a new one first,
# run `manage.py rotate_credentials`, then drop the old one (docs/connectors.md). Empty: one key derived
# from SECRET_KEY, for development only.
AOP_CREDENTIAL_KEYS = env_list("AOP_CREDENTIAL_KEYS", [])

# --- API
# An API token stops working this many days after it was made (orgs.authentication).
AOP_TOKEN_DAYS = env_positive("AOP_TOKEN_DAYS", env_int("AOP_TOKEN_DAYS", 30))
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous API call a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "orgs.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's three parsers, with JSON nested too deeply for the decoder refused as 400 instead of a 500.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["core.filters.ListFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.api.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AOP API",
    "DESCRIPTION": "Annual sales planning: org tree, plans and their five steps.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets shared by several fields get one name each in the schema.
    "ENUM_NAME_OVERRIDES": {
        "QuarterEnum": "planning.models.QUARTERS",
        "ScaleOf5Enum": "planning.models.Risk.SCALE",
        "WorkStatusEnum": "planning.models.Initiative.Status",
        "CapabilityCategoryEnum": "capabilities.models.Capability.Category",
        "BudgetCategoryEnum": "budgets.models.BudgetLine.Category",
        "MoveKindEnum": "budgets.models.Move.Kind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Libraries that narrate every step at INFO: only their warnings are worth a line.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "axes")},
}

# Plans, history and list pages
AOP_PAGE_SIZE = env_int("AOP_PAGE_SIZE", 25)
