"""Safe defaults: started without settings, nothing serves with DEBUG on or a known secret key;
production refuses to start without its own key and hosts, and `check --deploy` has nothing to
say about it. Each settings module is loaded in a process of its own, with an environment
that sets nothing but what the test names."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
    "SESSION_COOKIE_AGE": settings.SESSION_COOKIE_AGE,
    "SESSION_SAVE_EVERY_REQUEST": settings.SESSION_SAVE_EVERY_REQUEST,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
}))
"""


def _env(tmp_path, **extra: str) -> dict[str, str]:
    """The machine's environment without any of our settings, var/ in a fresh folder."""
    ours = {
        "SECRET_KEY",
        "DJANGO_DEBUG",
        "DJANGO_SETTINGS_MODULE",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "SESSION_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
    }
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env["AFTERSALES_VAR_DIR"] = str(tmp_path / "var")
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py, no shell
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _settings_of(module: str, env: dict[str, str]) -> dict:
    result = _run(["-c", PROBE], {**env, "DJANGO_SETTINGS_MODULE": module})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _strong_key() -> str:
    return secrets.token_urlsafe(50)


# --- production -------------------------------------------------------------------------------


def test_check_deploy_reports_nothing_with_the_production_settings(tmp_path):
    env = _env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY=_strong_key(),
        ALLOWED_HOSTS="aftersales.example.com",
    )

    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_defaults_are_the_safe_ones(tmp_path):
    env = _env(tmp_path, SECRET_KEY=_strong_key(), ALLOWED_HOSTS="aftersales.example.com")

    prod = _settings_of("config.settings.prod", env)

    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_SECURE"] is True
    assert prod["CSRF_COOKIE_SECURE"] is True
    assert prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600


@pytest.mark.parametrize(
    ("key", "said"),
    [
        (None, "needs SECRET_KEY"),
        ("", "needs SECRET_KEY"),
        ("changeme", "at least 50 characters"),
        ("django-insecure-" + "x1y2z3" * 10, "at least 50 characters"),
        ("a" * 60, "at least 50 characters"),
    ],
)
def test_production_refuses_a_missing_or_weak_secret_key(tmp_path, key, said):
    env = _env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.prod", ALLOWED_HOSTS="x.example")
    if key is not None:
        env["SECRET_KEY"] = key

    result = _run(["manage.py", "check"], env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert said in result.stderr


def test_production_refuses_to_start_without_its_hosts(tmp_path):
    env = _env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.prod", SECRET_KEY=_strong_key())

    result = _run(["manage.py", "check"], env)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_the_wsgi_application_is_production_unless_told_otherwise(tmp_path):
    # gunicorn started with nothing set refuses (no SECRET_KEY) rather than serving with DEBUG.
    result = _run(["-c", "import config.wsgi"], _env(tmp_path))

    assert result.returncode != 0
    assert "Production needs SECRET_KEY" in result.stderr


# --- what `make run` and manage.py serve with nothing set ---------------------------------------


def test_make_run_serves_without_debug_and_with_a_key_of_its_own(tmp_path):
    env = _env(tmp_path)

    first = _settings_of("config.settings.run", env)
    again = _settings_of("config.settings.run", env)
    elsewhere = _settings_of("config.settings.run", _env(tmp_path / "other"))

    assert first["DEBUG"] is False
    # Made on first run, kept under var/ (never in the repository), the same the next time.
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert again["SECRET_KEY"] == first["SECRET_KEY"]
    assert elsewhere["SECRET_KEY"] != first["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 50


def test_no_settings_module_holds_a_secret_key_literal():
    # The key is read from the environment or made into var/ (ignored by git), never written
    # in a settings file.
    for path in (ROOT / "config" / "settings").glob("*.py"):
        for line in path.read_text().splitlines():
            assert not line.strip().startswith(("SECRET_KEY = '", 'SECRET_KEY = "')), path
    assert "var/" in (ROOT / ".gitignore").read_text().splitlines()


def test_manage_py_serves_debug_pages_only_when_asked(tmp_path):
    assert _settings_of("config.settings.dev", _env(tmp_path))["DEBUG"] is False
    assert _settings_of("config.settings.dev", _env(tmp_path, DJANGO_DEBUG="1"))["DEBUG"] is True


def test_sessions_end_when_idle(tmp_path):
    run = _settings_of("config.settings.run", _env(tmp_path))

    assert run["SESSION_SAVE_EVERY_REQUEST"] is True
    assert 0 < run["SESSION_COOKIE_AGE"] <= 8 * 3600
