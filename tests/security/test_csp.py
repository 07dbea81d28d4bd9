"""The Content Security Policy: every answer carries it, and no template or form widget of ours
holds what it forbids. The rule for templates (docs/deployment.md, "Content Security Policy"):

- no inline ``<script>`` with code: a page's code is a static file (``<script src>``); data it
  needs goes in ``data-`` attributes or a ``<script type="application/json">`` block;
- no ``on…=`` handler attribute, no ``hx-on``, no ``javascript:`` URL;
- no ``<style>`` element and no ``style=""`` attribute: classes (Bootstrap's utilities, or
  static/css);
- nothing from another origin (no CDN): vendor files live in static/vendor.

The browser test (tests/browser/test_csp.py) proves the pages run under it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "aftersales").glob("**/templates/**/*.html"))
PYTHON = sorted(p for p in (ROOT / "aftersales").glob("**/*.py") if "migrations" not in p.parts)

# Templates that hold something the policy refuses, each with why: a strict xfail, so the
# finding goes once the template is fixed. (None now.)
FINDINGS: dict[str, str] = {}

FORBIDDEN = {
    "inline script": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*type=[\"']application/json[\"'])[^>]*>", re.I
    ),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on": re.compile(r"\shx-on[:-]", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "another origin": re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I),
}
WIDGET_HANDLER = re.compile(
    r"""["']on(?:click|change|submit|input|key\w+|load|focus|blur)["']\s*:"""
)


def _param(path: Path):
    name = str(path.relative_to(ROOT))
    marks = [pytest.mark.xfail(strict=True, reason=FINDINGS[name])] if name in FINDINGS else []
    return pytest.param(path, id=name, marks=marks)


@pytest.mark.parametrize("path", [_param(p) for p in TEMPLATES])
def test_a_template_holds_nothing_the_policy_refuses(path):
    text = path.read_text(encoding="utf-8")

    found = [
        f"{what}: {m.group(0)[:80]}"
        for what, pattern in FORBIDDEN.items()
        for m in pattern.finditer(text)
    ]

    assert found == []


def test_no_form_widget_has_an_inline_handler():
    found = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in PYTHON
        for m in WIDGET_HANDLER.finditer(p.read_text(encoding="utf-8"))
    ]

    assert found == []


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/api/v1/docs", "/api/v1/auth/me"])
def test_every_answer_carries_the_policy(client, agent, url):
    client.force_login(agent)

    policy = _policy(client.get(url))

    for directive in ("default-src", "script-src", "style-src", "connect-src", "font-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in str(policy)
    assert "'unsafe-eval'" not in str(policy)


def test_htmx_is_told_not_to_inject_styles_or_evaluate(client, agent):
    client.force_login(agent)

    page = client.get("/").content.decode()

    assert '"includeIndicatorStyles": false' in page
    assert '"allowEval": false' in page
    assert "css/htmx.css" in page
