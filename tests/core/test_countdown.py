"""The countdown of a deadline, and its "unconfirmed" mark when a year the deadline's span
touches has no published holiday calendar (2026 is in the pinned chinesecalendar; 2027 and
2031 are not)."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import translation

UTC = dt.UTC
MARK = (
    '<span class="badge text-bg-secondary deadline-unconfirmed" '
    'title="该时限跨越的年份法定节假日尚未公布，按规则推算">未确认</span>'
)


def render(source: str, **context) -> str:
    return Template("{% load aftersales %}" + source).render(Context(context))


def countdown_text(html: str) -> str:
    """The text of the countdown badge itself (what the browser tests read)."""
    match = re.search(r'<span class="badge [^"]*countdown[^"]*"[^>]*>([^<]*)</span>', html)
    assert match, html
    return match.group(1)


def test_a_span_touching_an_unknown_year_carries_the_mark():
    # Created on Wed 2026-12-30, due at the end of Wed 2027-01-06 (Shanghai).
    html = render(
        "{% countdown due now start %}",
        start=dt.datetime(2026, 12, 30, 2, 0, tzinfo=UTC),
        due=dt.datetime(2027, 1, 6, 16, 0, tzinfo=UTC),
        now=dt.datetime(2026, 12, 30, 3, 0, tzinfo=UTC),
    )

    assert MARK in html
    assert countdown_text(html) == "剩 7天13小时"


def test_a_span_inside_a_confirmed_year_carries_no_mark():
    html = render(
        "{% countdown due now start %}",
        start=dt.datetime(2026, 11, 13, 2, 0, tzinfo=UTC),
        due=dt.datetime(2026, 11, 18, 16, 0, tzinfo=UTC),
        now=dt.datetime(2026, 11, 13, 3, 0, tzinfo=UTC),
    )

    assert "deadline-unconfirmed" not in html
    assert "未确认" not in html
    assert countdown_text(html) == "剩 5天13小时"


def test_the_mark_goes_by_the_shanghai_date_of_the_due_time():
    start = dt.datetime(2026, 12, 28, 2, 0, tzinfo=UTC)
    now = dt.datetime(2026, 12, 28, 3, 0, tzinfo=UTC)
    # 15:59 UTC on 12-31 is 23:59 in Shanghai, still 2026; 16:00 UTC is 2027-01-01 there.
    last_minute = dt.datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
    new_year = dt.datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    source = "{% countdown due now start %}"

    assert MARK not in render(source, start=start, due=last_minute, now=now)
    assert MARK in render(source, start=start, due=new_year, now=now)


@pytest.mark.parametrize(
    ("now", "css", "text"),
    [
        (dt.datetime(2031, 3, 1, 0, 0, tzinfo=UTC), "text-bg-light countdown", "剩 4天16小时"),
        (
            dt.datetime(2031, 3, 5, 0, 0, tzinfo=UTC),
            "text-bg-warning countdown soon",
            "剩 16小时0分",
        ),
        (
            dt.datetime(2031, 3, 6, 0, 0, tzinfo=UTC),
            "text-bg-danger countdown overdue",
            "已超时 8小时0分",
        ),
    ],
    ids=["ok", "soon", "overdue"],
)
def test_every_state_of_the_countdown_carries_the_mark(now, css, text):
    html = render(
        "{% countdown due now start %}",
        start=dt.datetime(2031, 2, 28, 2, 0, tzinfo=UTC),
        due=dt.datetime(2031, 3, 5, 16, 0, tzinfo=UTC),
        now=now,
    )

    assert f'<span class="badge {css}"' in html
    assert countdown_text(html) == text
    assert html.endswith("</span> " + MARK + "\n")


def test_the_two_argument_call_still_works_and_marks_by_the_due_year():
    now = dt.datetime(2026, 12, 30, 3, 0, tzinfo=UTC)
    source = "{% countdown due now %}"

    in_2027 = render(source, due=dt.datetime(2027, 1, 6, 16, 0, tzinfo=UTC), now=now)
    in_2026 = render(source, due=dt.datetime(2026, 12, 31, 8, 0, tzinfo=UTC), now=now)

    assert MARK in in_2027
    assert countdown_text(in_2027) == "剩 7天13小时"
    assert "deadline-unconfirmed" not in in_2026
    assert countdown_text(in_2026) == "剩 1天5小时"


def test_a_start_given_as_none_is_the_two_argument_call():
    now = dt.datetime(2026, 12, 30, 3, 0, tzinfo=UTC)
    due = dt.datetime(2026, 12, 31, 8, 0, tzinfo=UTC)

    assert render("{% countdown due now start %}", due=due, now=now, start=None) == render(
        "{% countdown due now %}", due=due, now=now
    )


def test_a_start_in_an_unknown_year_marks_a_due_time_in_a_known_one():
    html = render(
        "{% countdown due now start %}",
        start=dt.datetime(2003, 12, 30, 2, 0, tzinfo=UTC),
        due=dt.datetime(2004, 1, 6, 16, 0, tzinfo=UTC),
        now=dt.datetime(2003, 12, 30, 3, 0, tzinfo=UTC),
    )

    assert MARK in html


def test_no_deadline_shows_a_dash_and_no_mark():
    html = render(
        "{% countdown due now start %}",
        due=None,
        now=dt.datetime(2031, 3, 1, tzinfo=UTC),
        start=dt.datetime(2031, 2, 28, tzinfo=UTC),
    )

    assert html == '<span class="text-muted">—</span>\n'


def test_the_mark_is_escaped_and_translatable():
    # The tooltip goes through {% translate %}; whatever the catalogue says lands in an
    # attribute, escaped, and the mark stays a sibling of the countdown badge.
    with translation.override("en"):
        html = render(
            "{% countdown due now start %}",
            start=dt.datetime(2026, 12, 30, 2, 0, tzinfo=UTC),
            due=dt.datetime(2027, 1, 6, 16, 0, tzinfo=UTC),
            now=dt.datetime(2026, 12, 30, 3, 0, tzinfo=UTC),
        )

    assert re.search(
        r'</span> <span class="badge text-bg-secondary deadline-unconfirmed" title="[^"<>]+">'
        r"[^<]+</span>\n$",
        html,
    )
