"""Pure rules of tracking: what a carrier's code means in our statuses, when a new event may
move a shipment, and what identifies one line of a history. No ORM, no clock.

Kuaidi100's codes (PLATFORMS.md §1): a base ``state`` (0 在途, 1 揽收, 2 疑难, 3 签收, 4 退签,
5 派件, 6 退回, 7 转投, 8 清关, 14 拒签) and, with resultv2=4, a sub-code in ``statusCode``
(101…103, 1001…1003, 201…210, 301…304, 401, 501). With resultv2=1 an entry carries the state's
*name* ("签收", "在途") instead. No code for a blind area (盲区 / 无网点) is known, so it is read
from the entry's text wherever the code says "a problem" (2, 204, 207) or says nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from aftersales.tracking.models import PROBLEM_STATUSES, TrackingStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")

S = TrackingStatus

# Codes with one meaning whatever the text says.
CODE_STATUS: dict[str, str] = {
    "1": S.COLLECTED,
    "101": S.COLLECTED,  # 已下单: the first thing we ever hear of a parcel
    "102": S.COLLECTED,  # 待揽收
    "103": S.COLLECTED,
    "0": S.IN_TRANSIT,
    "1001": S.IN_TRANSIT,
    "1002": S.IN_TRANSIT,
    "1003": S.IN_TRANSIT,
    "7": S.IN_TRANSIT,  # 转投: sent on to another outlet
    "8": S.IN_TRANSIT,  # 清关 and its older list
    "10": S.IN_TRANSIT,
    "11": S.IN_TRANSIT,
    "12": S.IN_TRANSIT,
    "13": S.IN_TRANSIT,
    "5": S.OUT_FOR_DELIVERY,
    "501": S.OUT_FOR_DELIVERY,
    "3": S.SIGNED,
    "301": S.SIGNED,
    "302": S.SIGNED,
    "303": S.SIGNED,
    "304": S.SIGNED,
    "14": S.REFUSED,
    "203": S.REFUSED,
    "4": S.RETURNING,  # 退签
    "401": S.RETURNING,  # 已销单, under 退签
    "6": S.RETURNING,
    "210": S.RETURNING,  # 销单: the waybill is cancelled, the parcel goes back
    "208": S.STRANDED,
}

# Problem codes whose kind the text may say better (a blind area has no code of its own).
# The status when the text says nothing more:
PROBLEM_CODE_DEFAULT: dict[str, str] = {
    "2": S.STRANDED,  # 疑难 with no sub-code: held somewhere, someone must look
    "201": S.STRANDED,  # 超时未签收
    "202": S.NO_UPDATE,  # 超时未更新
    "204": S.STRANDED,  # 派件异常: delivery failed, the parcel waits at the outlet
    "205": S.STRANDED,  # 柜或驿站超时未取: waits at a station; the buyer must be called
    "206": S.STRANDED,  # 无法联系
    "207": S.OUT_OF_AREA,
    "209": S.STRANDED,  # 破损
}

# resultv2=1: the state's name.
NAME_STATUS: dict[str, str] = {
    "揽收": S.COLLECTED,
    "已揽收": S.COLLECTED,
    "在途": S.IN_TRANSIT,
    "转投": S.IN_TRANSIT,
    "清关": S.IN_TRANSIT,
    "待清关": S.IN_TRANSIT,
    "清关中": S.IN_TRANSIT,
    "已清关": S.IN_TRANSIT,
    "派件": S.OUT_FOR_DELIVERY,
    "签收": S.SIGNED,
    "已签收": S.SIGNED,
    "拒签": S.REFUSED,
    "拒收": S.REFUSED,
    "退签": S.RETURNING,
    "退回": S.RETURNING,
    "超区": S.OUT_OF_AREA,
    "滞留": S.STRANDED,
}
PROBLEM_NAMES = frozenset({"疑难", "派件异常", "清关异常"})

# What the text of a problem entry may say, most specific first.
KEYWORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"无网点|盲区|网点未覆盖|无派送网点|不在服务网点"), S.BLIND_AREA),
    (re.compile(r"超区|超出(派送|配送|服务)范围|不在(派送|配送)范围"), S.OUT_OF_AREA),
    (re.compile(r"拒收|拒签"), S.REFUSED),
    (re.compile(r"退回|退件|返回寄件"), S.RETURNING),
    (re.compile(r"滞留|暂停营业|停止营业|暂停派送|积压"), S.STRANDED),
)
# An entry with no code at all is read by its words, as a person would.
PLAIN_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"签收|已妥投|代收"), S.SIGNED),
    (re.compile(r"派件|派送中|正在派送|投递"), S.OUT_FOR_DELIVERY),
    (re.compile(r"揽收|揽件|收件"), S.COLLECTED),
)

# Ties (two entries at the same second) go to the one further along.
RANK: dict[str, int] = {
    S.NO_UPDATE: 0,
    S.COLLECTED: 1,
    S.IN_TRANSIT: 2,
    S.OUT_FOR_DELIVERY: 3,
    S.STRANDED: 4,
    S.BLIND_AREA: 4,
    S.OUT_OF_AREA: 4,
    S.SIGNED: 5,
    S.REFUSED: 6,
    S.RETURNING: 7,
}
# After a sign-in only these move a shipment again (the buyer refused it, it goes back).
AFTER_SIGNED = frozenset({S.REFUSED.value, S.RETURNING.value})


def status_of(*, code: str = "", name: str = "", context: str = "") -> str:
    """Our status for one entry: its code, else its state's name, else its words."""
    code = (code or "").strip()
    name = (name or "").strip()
    if code in CODE_STATUS:
        return CODE_STATUS[code]
    if code in PROBLEM_CODE_DEFAULT:
        return _keyword(context) or PROBLEM_CODE_DEFAULT[code]
    if name in NAME_STATUS:
        return NAME_STATUS[name]
    if name in PROBLEM_NAMES:
        return _keyword(context) or S.STRANDED
    # Unknown code and name: the words decide; a line that says nothing is a parcel moving.
    return _keyword(context) or _plain(context) or S.IN_TRANSIT


def _keyword(context: str) -> str:
    for pattern, status in KEYWORDS:
        if pattern.search(context or ""):
            return status
    return ""


def _plain(context: str) -> str:
    for pattern, status in PLAIN_WORDS:
        if pattern.search(context or ""):
            return status
    return ""


def is_problem(status: str) -> bool:
    return status in PROBLEM_STATUSES


def may_move(
    *, current: str, current_at: dt.datetime | None, new: str, new_at: dt.datetime
) -> bool:
    """Whether an event at ``new_at`` saying ``new`` moves a shipment standing at ``current``
    since ``current_at``: only a later event does (a late, older one never moves it back),
    and a sign-in is final unless the parcel is then refused or sent back."""
    if current_at is not None and new_at <= current_at:
        return False
    if current == S.SIGNED and new not in AFTER_SIGNED:
        return False
    return True


def dedupe_key(*, occurred_at: dt.datetime, context: str) -> str:
    """What identifies a line of a history: its instant and its words. The code is left out
    on purpose: the same line re-pushed with a finer code (resultv2 changed) is the same
    line."""
    text = f"{occurred_at.astimezone(dt.UTC).isoformat()}|{context.strip()}"
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


_FTIME = re.compile(
    r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$"
)


def parse_ftime(value: object) -> dt.datetime:
    """Kuaidi100's ``ftime`` ("yyyy-MM-dd HH:mm:ss", Beijing time) as an aware UTC instant.
    Tolerates a missing second, a ``T`` or slashes; refuses anything else (ValueError)."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    match = _FTIME.match(value)
    if match is None:
        raise ValueError("not yyyy-MM-dd HH:mm:ss")
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    local = dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)
    return local.astimezone(dt.UTC)


@dataclass(frozen=True)
class NormalisedEvent:
    """One line of a shipment's history, whoever told us: a push, a poll, the demo."""

    shipment_id: int
    occurred_at: dt.datetime
    status: str
    raw_state: str = ""
    context: str = ""
    area: str = ""
    payload_id: int | None = None
    key: str = field(default="", compare=False)

    @property
    def dedupe_key(self) -> str:
        return self.key or dedupe_key(occurred_at=self.occurred_at, context=self.context)


def newest(events: list[NormalisedEvent]) -> NormalisedEvent:
    return max(events, key=lambda e: (e.occurred_at, RANK.get(e.status, 0), e.dedupe_key))
