"""Case photos are reached only through their case's view, which checks who asks; nothing
serves MEDIA_ROOT. Sessions end after SESSION_COOKIE_AGE without a request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.cases.services import attachment_add
from aftersales.returns.services import return_case_open
from tests.api import NOW, PNG_1X1, order_build

T0 = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def photo(shop, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order, lines = order_build(shop=shop)
    case = return_case_open(
        order=order,
        kind="return_refund",
        lines=[(lines[0], 1)],
        reason="quality",
        actor=agent,
        now=NOW,
    )
    return attachment_add(
        case=case,
        uploaded_by=agent,
        upload=SimpleUploadedFile("破损.png", PNG_1X1),
        now=NOW,
    )


def _url(photo) -> str:
    return reverse("cases:attachment", args=[photo.case_id, photo.pk])


def test_the_case_view_serves_a_photo_to_the_shops_staff(client, photo, warehouse):
    client.force_login(warehouse)

    response = client.get(_url(photo))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG_1X1
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_nobody_signed_in_is_sent_to_the_login_page(client, photo):
    response = client.get(_url(photo))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_another_shops_user_finds_nothing(client, photo, outsider):
    client.force_login(outsider)

    assert client.get(_url(photo)).status_code == 404


def test_nothing_serves_media_root_directly(client, photo, agent):
    client.force_login(agent)

    response = client.get(settings.MEDIA_URL + photo.file.name)

    assert response.status_code == 404
    assert PNG_1X1 not in response.content


def test_not_even_with_debug_on():
    # The URLconf once added django.conf.urls.static.static(MEDIA_URL, ...) under DEBUG.
    source = (Path(settings.BASE_DIR) / "config" / "urls.py").read_text()

    assert "MEDIA_ROOT" not in source.replace("Nothing serves MEDIA_ROOT", "")
    assert "conf.urls.static" not in source


# --- idle sessions -------------------------------------------------------------------------------


def test_a_session_lasts_while_it_is_used_and_ends_when_idle(client, agent, time_machine):
    age = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    inbox = reverse("cases:inbox")
    time_machine.move_to(T0, tick=False)
    client.force_login(agent)

    # Each request starts the idle clock again: used every (age - 1 minute), it stays.
    moment = T0
    for _ in range(3):
        moment += age - dt.timedelta(minutes=1)
        time_machine.move_to(moment, tick=False)
        assert client.get(inbox).status_code == 200

    time_machine.move_to(moment + age + dt.timedelta(seconds=1), tick=False)
    response = client.get(inbox)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_session_cookie_is_http_only_and_same_site(client, agent):
    client.post("/accounts/login/", {"username": "agent", "password": "pw-123456"})

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
