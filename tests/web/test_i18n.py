"""English, the second language: the switch, the pages, the API's errors, and catalogues with
nothing left untranslated.

Chinese is the source language, so a string that misses the catalogue still shows (in Chinese)
and no other test notices. These tests read the English a user reads.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import trans_real

from tests.api import API, bearer_client, error_of, post_json

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _our_catalogues() -> list[Path]:
    """Every .po of ours: the project's (LOCALE_PATHS) and those an app of ours keeps in its own
    locale directory (makemessages puts an app's strings there once the directory exists).
    Installed packages' catalogues are theirs to keep."""
    base = Path(settings.BASE_DIR)
    dirs = [Path(p) for p in settings.LOCALE_PATHS]
    for app in apps.get_app_configs():
        path = Path(app.path)
        if path.is_relative_to(base) and "site-packages" not in path.parts:
            dirs.append(path / "locale")
    return sorted({po for d in dirs for po in d.glob("*/LC_MESSAGES/*.po")})


CATALOGUES = _our_catalogues()
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue():
    """`make test` compiles the catalogues first; a bare `pytest` after editing a .po would
    otherwise test yesterday's English. Compiles only when a .mo is missing or older."""
    stale = [
        po
        for po in CATALOGUES
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        call_command(
            "compilemessages", locale=["en"], ignore_patterns=[".venv", "node_modules"], verbosity=0
        )
        # Django caches a language's catalogue once loaded; drop it so the new .mo is read.
        trans_real._translations = {}
        trans_real._default = None
        trans_real.translation_catalog_exists.cache_clear()


def switch_to_english(client, next_url="/"):
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


# --- pages ----------------------------------------------------------------------------------


def test_pages_are_chinese_until_the_user_switches(client, agent, return_case):
    client.force_login(agent)

    page = client.get(reverse("cases:inbox")).content.decode()

    assert '<html lang="zh-hans">' in page
    assert '<h1 class="h4">售后待办</h1>' in page


def test_inbox_in_english(client, agent, return_case):
    client.force_login(agent)
    switch_to_english(client, reverse("cases:inbox"))

    page = client.get(reverse("cases:inbox")).content.decode()

    assert '<html lang="en">' in page
    assert "<title>Inbox · AfterSales</title>" in page
    assert '<a class="navbar-brand" href="/">After-sales workbench</a>' in page
    assert '<h1 class="h4">After-sales inbox</h1>' in page
    assert 'placeholder="Order, waybill or case no., buyer, recipient, last 4 phone digits"' in page
    assert '<label class="form-check-label small" for="f-overdue">Overdue only</label>' in page
    assert (
        "<th>Case no.</th><th>Type</th><th>Status</th>\n"
        '  <th>Order no.</th><th>Buyer</th><th class="text-end">Amount</th>\n'
        "  <th>Assignee</th>\n"
        "  <th>Applied</th><th>Last change</th><th>Due</th>"
    ) in page
    row = page[page.index(f'data-case="{return_case.number}"') :]
    row = row[: row.index("</tr>")]
    assert '<td class="text-nowrap">Return and refund</td>' in row
    assert '<td class="text-nowrap">Pending</td>' in row
    assert '<button class="btn btn-sm btn-outline-primary py-0 take">Take</button>' in row
    # The filters offer the kinds and statuses in English too.
    assert '<option value="refund_only" >Refund only</option>' in page
    assert '<option value="awaiting_return" >Awaiting buyer&#x27;s return</option>' in page
    assert ">Sign out</button>" in page
    # Nothing left in Chinese but the data (the shop's name) and Chinese's own name.
    leftover = page.replace(return_case.shop.name, "").replace("简体中文", "")
    assert CJK.findall(leftover) == []


def test_empty_inbox_says_so_in_english(client, agent):
    client.force_login(agent)
    switch_to_english(client)

    page = client.get(reverse("cases:inbox")).content.decode()

    assert "No cases match these filters." in page


def test_case_page_in_english(client, agent, return_case):
    client.force_login(agent)
    url = reverse("cases:detail", args=[return_case.pk])
    switch_to_english(client, url)

    page = client.get(url).content.decode()

    assert '<span class="badge text-bg-primary fs-6" id="case-status">Pending</span>' in page
    assert (
        f'<h1 class="h4 mb-0">Return and refund <small class="text-muted">{return_case.number}'
        in page
    )
    assert '<div class="card-header">Available actions</div>' in page
    assert 'name="submit-agree">Agree</button>' in page
    assert 'name="submit-refuse">Refuse</button>' in page
    assert 'name="submit-cancel">Cancel</button>' in page
    assert (
        '<label class="form-label small mb-0" for="id_refuse-reason">Reason for refusal</label>'
        in page
    )
    assert (
        '<dt class="col-sm-2">Reason</dt><dd class="col-sm-4">Seven-day no-reason return</dd>'
        in page
    )
    assert '<dt class="col-sm-2">Party at fault</dt><dd class="col-sm-4">Buyer</dd>' in page
    assert (
        "<th>Item</th><th>Quantity requested</th><th>Quantity received</th><th>Paid</th>"
        "<th>Seven-day no-reason return</th>"
    ) in page
    assert '<div class="card-header">Assign</div>' in page
    assert ">Add note</button>" in page
    # The timeline names the move in English: created, into the first status.
    assert '<span class="event-action">Create</span>' in page
    assert '<span class="text-muted event-move">Pending</span>' in page


def test_action_done_and_refused_in_english(client, agent, return_case):
    client.force_login(agent)
    url = reverse("cases:detail", args=[return_case.pk])
    switch_to_english(client, url)

    refused = client.post(
        reverse("cases:act", args=[return_case.pk, "refuse"]),
        {"refuse-version": return_case.version, "refuse-reason": ""},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    agreed = client.post(
        reverse("cases:act", args=[return_case.pk, "agree"]),
        {"agree-version": return_case.version},
        follow=True,
    ).content.decode()

    # The empty reason is Django's own required-field message, in English.
    assert '<div class="field-error" data-field="reason">This field is required.</div>' in refused
    assert 'role="alert">Done: Agree</div>' in agreed
    assert (
        '<span class="badge text-bg-primary fs-6" id="case-status">'
        "Awaiting buyer&#x27;s return</span>"
    ) in agreed
    assert 'name="submit-buyer_ship">Record buyer&#x27;s return shipment</button>' in agreed


def test_stale_version_is_refused_in_english(client, agent, return_case):
    client.force_login(agent)
    switch_to_english(client)

    response = client.post(
        reverse("cases:act", args=[return_case.pk, "agree"]),
        {"agree-version": return_case.version - 1},
    )

    assert response.status_code == 422
    assert (
        "Someone else has just changed this case. Refresh the page and try again."
        in response.content.decode()
    )


def test_login_page_in_english(client, agent):
    url = reverse("accounts:login")
    switch_to_english(client, url)

    page = client.get(url).content.decode()
    refused = client.post(url, {"username": "agent", "password": "wrong"}).content.decode()

    assert "<title>Sign in · AfterSales</title>" in page
    assert '<h1 class="h4 mb-3">Sign in to the after-sales workbench</h1>' in page
    assert '<label class="form-label" for="id_username">Username</label>' in page
    assert '<label class="form-label" for="id_password">Password</label>' in page
    assert '<button class="btn btn-primary w-100" type="submit">Sign in</button>' in page
    assert '<select name="language" class="form-select form-select-sm"' in page
    assert 'aria-label="Language"' in page
    # Each language is offered under its own name, so a Chinese reader can find the way back.
    assert '<option value="zh-hans" >简体中文</option>' in page
    assert '<option value="en" selected>English</option>' in page
    assert "Please enter a correct username and password." in refused


def test_switching_back_to_chinese(client, agent, return_case):
    client.force_login(agent)
    switch_to_english(client)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    page = client.get(reverse("cases:inbox")).content.decode()

    assert '<h1 class="h4">售后待办</h1>' in page


# --- API ------------------------------------------------------------------------------------


def test_api_wrong_password_in_english(client, agent):
    response = post_json(
        client,
        f"{API}/auth/token",
        {"username": "agent", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 401
    assert error_of(response) == {
        "code": "bad_credentials",
        "field": "password",
        "message": "The username or password is incorrect.",
    }


def test_api_wrong_password_in_chinese_by_default(client, agent):
    response = post_json(client, f"{API}/auth/token", {"username": "agent", "password": "wrong"})

    assert error_of(response)["message"] == "用户名或密码不正确。"


def test_api_transition_not_allowed_in_english(agent, return_case):
    api = bearer_client(agent)

    response = post_json(
        api,
        f"{API}/cases/{return_case.pk}/actions/complete",
        {"expected_version": return_case.version, "params": {}},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "transition_not_allowed",
        "field": None,
        "message": '"Complete" is not allowed while the case is "Pending".',
    }
    return_case.refresh_from_db()
    assert return_case.status == "requested"


def test_api_case_status_label_and_missing_login_in_english(client, agent, return_case):
    api = bearer_client(agent)

    case = api.get(f"{API}/cases/{return_case.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    anonymous = client.get(f"{API}/cases", HTTP_ACCEPT_LANGUAGE="en")

    assert case["status_label"] == "Pending"
    assert anonymous.status_code == 401
    assert error_of(anonymous)["message"] == "Sign in or provide a valid API token first."


# --- the catalogues -------------------------------------------------------------------------

_ENTRY_LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')


def _po_entries(text: str) -> list[dict]:
    """Each live entry as {"flags", "msgid", "msgstr": [...], ...}; obsolete (#~) entries and
    the header are left out. Multi-line strings are joined; escapes are kept as written."""
    entries: list[dict] = []
    entry: dict = {}
    key = None

    def close():
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {}

    for line in text.splitlines():
        if line.startswith("#~"):
            continue
        if not line.strip():
            close()
            key = None
            continue
        if line.startswith("#"):
            if any(k.startswith("msgstr") for k in entry):
                close()
            if line.startswith("#,"):
                entry.setdefault("flags", set()).update(
                    f.strip() for f in line[2:].split(",") if f.strip()
                )
            continue
        match = _ENTRY_LINE.match(line)
        if match:
            key, value = match.groups()
            if key in ("msgctxt", "msgid") and any(k.startswith("msgstr") for k in entry):
                close()
            entry[key] = value
            continue
        match = _CONTINUATION.match(line)
        assert match, f"unexpected line in a catalogue: {line!r}"
        assert key, f"a continuation before any msgid or msgstr: {line!r}"
        entry[key] += match.group(1)
    close()
    for e in entries:
        e["msgstr"] = [v for k, v in sorted(e.items()) if k.startswith("msgstr")]
        e.setdefault("flags", set())
    return [e for e in entries if e["msgid"] != ""]


def test_po_parser_reads_multiline_plural_and_obsolete_entries():
    text = (
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, python-format\nmsgid ""\n"first "\n"second"\nmsgstr ""\n"one "\n"two"\n\n'
        'msgid "a"\nmsgid_plural "as"\nmsgstr[0] "x"\nmsgstr[1] ""\n'
        '#~ msgid "gone"\n#~ msgstr ""\n'
        '#: next.py:1\nmsgid "b"\nmsgstr ""\n'
    )

    entries = _po_entries(text)

    assert [(e["msgid"], e["msgstr"], e["flags"]) for e in entries] == [
        ("first second", ["one two"], {"python-format"}),
        ("a", ["x", ""], set()),
        ("b", [""], set()),
    ]


def _name(po: Path) -> str:
    return str(po.relative_to(settings.BASE_DIR))


def test_the_catalogues_are_found():
    # The project's and the approvals app's own; a catalogue the search missed would go unchecked.
    assert {
        "locale/en/LC_MESSAGES/django.po",
        "aftersales/approvals/locale/en/LC_MESSAGES/django.po",
    } <= {_name(po) for po in CATALOGUES}


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=_name)
def test_every_message_is_translated(catalogue):
    entries = _po_entries(catalogue.read_text(encoding="utf-8"))

    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    # compilemessages leaves fuzzy entries out: they show in Chinese as surely as empty ones.
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]

    assert entries
    assert untranslated == []
    assert fuzzy == []


def test_the_project_catalogue_is_the_whole_product():
    # A sanity floor: a catalogue cut short (a bad merge, an extraction from the wrong
    # directory) would otherwise pass as "nothing untranslated".
    assert len(_po_entries(CATALOGUE.read_text(encoding="utf-8"))) > 300


def test_a_message_in_two_catalogues_reads_the_same():
    """The same source string in the project's catalogue and an app's shows the project's
    English everywhere (LOCALE_PATHS come first): an app's different English never shows."""
    seen: dict[str, tuple[str, list[str]]] = {}
    differing = []
    for po in CATALOGUES:
        for e in _po_entries(po.read_text(encoding="utf-8")):
            key = e.get("msgctxt", "") + "\x04" + e["msgid"]
            if key in seen and seen[key][1] != e["msgstr"]:
                differing.append((e["msgid"], seen[key], (_name(po), e["msgstr"])))
            seen.setdefault(key, (_name(po), e["msgstr"]))

    assert differing == []


_PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]?\d*(?:\.\d+)?[sdfir]|\{\w+\}")


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=_name)
def test_translations_keep_every_placeholder(catalogue):
    entries = _po_entries(catalogue.read_text(encoding="utf-8"))

    broken = [
        (e["msgid"], s)
        for e in entries
        for s in e["msgstr"]
        if sorted(_PLACEHOLDER.findall(e["msgid"])) != sorted(_PLACEHOLDER.findall(s))
    ]

    assert broken == []
