"""Every code, name and word the normalisation knows; the move rule; times. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.tracking.models import PROBLEM_STATUSES, TrackingStatus
from aftersales.tracking.policies import (
    dedupe_key,
    may_move,
    parse_ftime,
    status_of,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("1", "collected"),
        ("101", "collected"),
        ("102", "collected"),
        ("103", "collected"),
        ("0", "in_transit"),
        ("1001", "in_transit"),
        ("1002", "in_transit"),
        ("1003", "in_transit"),
        ("7", "in_transit"),
        ("8", "in_transit"),
        ("10", "in_transit"),
        ("11", "in_transit"),
        ("12", "in_transit"),
        ("13", "in_transit"),
        ("5", "out_for_delivery"),
        ("501", "out_for_delivery"),
        ("3", "signed"),
        ("301", "signed"),
        ("302", "signed"),
        ("303", "signed"),
        ("304", "signed"),
        ("14", "refused"),
        ("203", "refused"),
        ("4", "returning"),
        ("401", "returning"),
        ("6", "returning"),
        ("210", "returning"),
        ("207", "out_of_area"),
        ("208", "stranded"),
        ("2", "stranded"),
        ("201", "stranded"),
        ("202", "no_update"),
        ("204", "stranded"),
        ("205", "stranded"),
        ("206", "stranded"),
        ("209", "stranded"),
    ],
)
def test_every_code(code, status):
    assert status_of(code=code, context="") == status
    assert status in TrackingStatus.values


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("揽收", "collected"),
        ("在途", "in_transit"),
        ("转投", "in_transit"),
        ("清关", "in_transit"),
        ("派件", "out_for_delivery"),
        ("签收", "signed"),
        ("拒签", "refused"),
        ("退签", "returning"),
        ("退回", "returning"),
        ("疑难", "stranded"),
    ],
)
def test_every_state_name_of_resultv2_1(name, status):
    assert status_of(name=name) == status


@pytest.mark.parametrize(
    ("code", "context", "status"),
    [
        # No code of its own for a blind area: the words say it, under a problem code.
        ("207", "【阿里地区】该地区无网点，无法派送", "blind_area"),
        ("204", "【那曲市】派件异常：盲区件", "blind_area"),
        ("2", "收件地址无派送网点", "blind_area"),
        ("204", "派送失败：超出派送范围", "out_of_area"),
        ("2", "网点暂停营业，快件滞留", "stranded"),
        ("2", "收件人拒收", "refused"),
        ("201", "快件已退回", "returning"),
        ("207", "快件超出派送范围", "out_of_area"),
        # A code with one meaning is not second-guessed by its words.
        ("301", "已签收，网点暂停营业后恢复", "signed"),
        ("1001", "到达 无网点 中转", "in_transit"),
    ],
)
def test_problem_codes_read_their_words(code, context, status):
    assert status_of(code=code, context=context) == status


@pytest.mark.parametrize(
    ("context", "status"),
    [
        ("快件已签收，签收人：本人", "signed"),
        ("派件员 王师傅 正在派件", "out_for_delivery"),
        ("快件已被 余杭一部 揽收", "collected"),
        ("该地区无网点", "blind_area"),
        ("快件已到达 成都转运中心", "in_transit"),
        ("", "in_transit"),
    ],
)
def test_without_code_or_name_the_words_decide(context, status):
    assert status_of(code="", name="", context=context) == status


def test_an_unknown_code_falls_back_to_its_words():
    assert status_of(code="999", context="快件滞留") == "stranded"
    assert status_of(code="999", context="到达") == "in_transit"


def test_problem_statuses_are_the_problem_kinds():
    assert {
        "out_of_area",
        "blind_area",
        "stranded",
        "refused",
        "returning",
    } == PROBLEM_STATUSES
    assert PROBLEM_STATUSES < set(TrackingStatus.values)


T = dt.datetime(2026, 11, 15, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "current_at", "new", "new_at", "moves"),
    [
        ("", None, "collected", T, True),
        ("in_transit", T, "out_for_delivery", T + dt.timedelta(seconds=1), True),
        ("in_transit", T, "out_for_delivery", T, False),
        ("out_for_delivery", T, "in_transit", T - dt.timedelta(hours=1), False),
        ("signed", T, "in_transit", T + dt.timedelta(hours=1), False),
        ("signed", T, "stranded", T + dt.timedelta(hours=1), False),
        ("signed", T, "returning", T + dt.timedelta(hours=1), True),
        ("signed", T, "refused", T + dt.timedelta(hours=1), True),
        ("signed", T, "refused", T - dt.timedelta(hours=1), False),
        ("stranded", T, "signed", T + dt.timedelta(hours=1), True),
        ("no_update", T, "in_transit", T + dt.timedelta(hours=1), True),
    ],
)
def test_may_move(current, current_at, new, new_at, moves):
    assert may_move(current=current, current_at=current_at, new=new, new_at=new_at) is moves


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-11-15 21:37:26", dt.datetime(2026, 11, 15, 13, 37, 26, tzinfo=UTC)),
        ("2026-11-15 21:37", dt.datetime(2026, 11, 15, 13, 37, tzinfo=UTC)),
        ("2026-11-15T21:37:26", dt.datetime(2026, 11, 15, 13, 37, 26, tzinfo=UTC)),
        ("2026/11/15 21:37:26", dt.datetime(2026, 11, 15, 13, 37, 26, tzinfo=UTC)),
        (" 2026-11-16 00:10:00 ", dt.datetime(2026, 11, 15, 16, 10, tzinfo=UTC)),
        ("2026-11-15", dt.datetime(2026, 11, 14, 16, 0, tzinfo=UTC)),
    ],
)
def test_ftime_is_beijing_time(text, utc):
    assert parse_ftime(text) == utc


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2026-13-01 00:00:00",
        "2026-02-30 10:00:00",
        "2026-11-15 25:00:00",
        "2026-11-15 21:37:26+08:00",
        "1700000000",
        None,
        1700000000,
    ],
)
def test_odd_ftimes_are_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011 - the reader only says "not a time"
        parse_ftime(text)


def test_the_dedupe_key_is_the_instant_and_the_words():
    a = dedupe_key(occurred_at=T, context="快件已签收")
    same_instant_other_zone = T.astimezone(dt.timezone(dt.timedelta(hours=8)))

    assert dedupe_key(occurred_at=same_instant_other_zone, context=" 快件已签收 ") == a
    assert dedupe_key(occurred_at=T, context="快件已签收。") != a
    assert dedupe_key(occurred_at=T + dt.timedelta(seconds=1), context="快件已签收") != a


def test_problem_statuses_are_the_courier_areas_problem_kinds():
    from aftersales.logistics.models import ProblemKind

    assert set(ProblemKind.values) == PROBLEM_STATUSES
