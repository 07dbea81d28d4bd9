"""Production: behind a TLS-terminating proxy (nginx), PostgreSQL, Redis for huey when there is
more than one machine. Every variable is listed in docs/deployment.md."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_flag, env_list

DEBUG = False
if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("Production needs SECRET_KEY in the environment.")
SECRET_KEY = os.environ["SECRET_KEY"]
# The names the proxy forwards: aftersales.example.com (comma-separated).
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production needs ALLOWED_HOSTS in the environment.")

# The proxy terminates TLS and says so in X-Forwarded-Proto (nginx: proxy_set_header
# X-Forwarded-Proto $scheme, which overwrites whatever the client sent). Only true when every
# request comes through that proxy: gunicorn must not be reachable directly.
if env_flag("SECURE_PROXY_SSL_HEADER", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", False)  # usually nginx redirects
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
