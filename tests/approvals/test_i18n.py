"""English, the second language: the approvals app's own catalogue is complete, and its pages
read in English once the user switches."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import trans_real

import aftersales.approvals

CATALOGUE = Path(aftersales.approvals.__file__).parent / "locale/en/LC_MESSAGES/django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]?\d*(?:\.\d+)?[sdfir]")
STRING = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$')


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue():
    """`make install` compiles every catalogue; a bare pytest after editing the .po would
    otherwise read yesterday's English."""
    if not COMPILED.exists() or COMPILED.stat().st_mtime < CATALOGUE.stat().st_mtime:
        call_command(
            "compilemessages", locale=["en"], ignore_patterns=[".venv", "node_modules"], verbosity=0
        )
        trans_real._translations = {}
        trans_real._default = None
        trans_real.translation_catalog_exists.cache_clear()


def entries():
    """(msgid, [msgstr, …], flags) of each entry but the header."""
    out, entry, key, flags = [], None, None, set()
    for line in [*CATALOGUE.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None and entry["msgid"]:
                out.append((entry["msgid"], entry["msgstr"], flags))
            entry, key, flags = None, None, set()
        elif line.startswith("#,"):
            flags = {f.strip() for f in line[2:].split(",")}
        elif match := STRING.match(line):
            entry = entry or {"msgid": "", "msgstr": []}
            key, value = match.groups()
            if key.startswith("msgstr"):
                entry["msgstr"].append(value)
            elif key == "msgid":
                entry["msgid"] = value
        elif line.startswith('"') and entry is not None:
            value = line[1:-1]
            if key == "msgid":
                entry["msgid"] += value
            elif key and key.startswith("msgstr"):
                entry["msgstr"][-1] += value
    return out


def test_every_message_of_the_app_is_translated_keeping_its_placeholders():
    found = entries()

    assert len(found) > 80
    assert [m for m, strs, _ in found if not all(strs)] == []
    assert [m for m, _, flags in found if "fuzzy" in flags] == []
    assert [
        (m, s)
        for m, strs, _ in found
        for s in strs
        if sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(s))
    ] == []


def english(client, user, url):
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client.get(url).content.decode()


@pytest.mark.usefixtures("site", "frozen")
def test_the_queue_in_english(client, supervisor, approval, shop):
    page = english(client, supervisor, reverse("approvals:queue"))

    assert '<h1 class="h4 me-auto">Awaiting my approval' in page
    assert "<td>Compensation approval</td>" in page
    assert 'placeholder="Reason to reject (required)"' in page
    assert (
        f'hx-confirm="Approve the request “现金补偿 80.00” on case {approval.case.number}' in page
    )
    leftover = page.replace(approval.summary, "").replace(shop.name, "").replace("简体中文", "")
    assert CJK.findall(leftover) == []


@pytest.mark.usefixtures("site", "frozen")
def test_the_rules_page_in_english(client, supervisor, rule, shop):
    page = english(client, supervisor, reverse("approvals:rules"))

    assert "<td>Amount over threshold</td>" in page
    assert "<td>Supervisor</td>" in page
    assert "24 hours" in page
    leftover = page.replace(shop.name, "").replace("简体中文", "")
    assert CJK.findall(leftover) == []
