"""Production: behind a TLS-terminating proxy (nginx), PostgreSQL, Redis for huey when there is
more than one machine. Every variable is listed in docs/deployment.md.

Refuses to start without a secret key of its own in the environment (never the one a checkout
generates into var/, never a short or made-up one) and without the host names it serves.
`DJANGO_SETTINGS_MODULE=config.settings.prod python manage.py check --deploy` reports nothing
with the defaults below (tests/security/test_settings.py runs it)."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_flag, env_list

DEBUG = False


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if not key:
        raise ImproperlyConfigured("Production needs SECRET_KEY in the environment.")
    # Django's own test of a strong key (check --deploy, security.W009): a made-up or
    # placeholder key is as good as a known one.
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be a random string of at least 50 characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
    return key


SECRET_KEY = _secret_key()
# The names the proxy forwards: aftersales.example.com (comma-separated).
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production needs ALLOWED_HOSTS in the environment.")

# The proxy terminates TLS and says so in X-Forwarded-Proto (nginx: proxy_set_header
# X-Forwarded-Proto $scheme, which overwrites whatever the client sent). Only true when every
# request comes through that proxy: gunicorn must not be reachable directly.
if env_flag("SECURE_PROXY_SSL_HEADER", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A request that reached the app over plain HTTP is sent to HTTPS (nginx usually redirects
# first, so this only catches a misrouted one). The load balancer's health check talks to
# the app server directly, over HTTP: /health/ answers it where it is.
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# Browsers keep to HTTPS for a year, on subdomains too. SECURE_HSTS_SECONDS=0 turns it off
# (while HTTPS is not settled yet); preload only allows a submission to the browsers' list.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
