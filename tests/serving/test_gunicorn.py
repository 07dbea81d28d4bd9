"""The workbench as `make run` serves it: gunicorn with the run settings (DEBUG off), static
files collected and served by whitenoise under hashed, compressed, long-cached names."""

import json
import re

import pytest

from tests.serving.server import base_env, get, gunicorn


@pytest.fixture(scope="module")
def server(static_root, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("run-var")
    with (var_dir / "gunicorn.log").open("w") as log:
        with gunicorn(base_env(var_dir, static_root, None), worker_class="gthread", log=log) as s:
            yield s


def test_gunicorn_serves_the_login_page_with_debug_off(server):
    status, headers, body = get(server.port, "/accounts/login/")
    assert status == 200
    assert headers["Server"].startswith("gunicorn")
    missing, _, missing_body = get(server.port, "/no-such-page/")
    assert missing == 404
    assert b"URLconf" not in missing_body  # Django's technical 404 is a DEBUG page
    # The page links the collected, hashed names.
    assert re.search(rb"/static/vendor/htmx\.min\.[0-9a-f]{12}\.js", body)


def test_whitenoise_serves_static_files(server):
    status, headers, body = get(server.port, "/static/vendor/htmx.min.js")
    assert status == 200
    assert headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
    assert b"htmx" in body

    _, _, page = get(server.port, "/accounts/login/")
    hashed = re.search(rb"/static/vendor/htmx\.min\.[0-9a-f]{12}\.js", page).group().decode()
    status, headers, _ = get(server.port, hashed, {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]


def test_health_through_gunicorn(server):
    status, headers, body = get(server.port, "/health/")
    assert status == 200
    report = json.loads(body)
    assert report["status"] == "ok"
    assert report["queue"]["storage"] == "sqlite"
