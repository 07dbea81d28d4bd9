"""Addresses into province / city / district with JioNLP's location parser (jionlp, pinned in
requirements/base.txt): it works offline from the administrative divisions it ships, knows
short names ("新疆", "杭州") and fills a missing province or city from the lower level. We keep
no table of place names of our own.

The same normalisation serves both sides of every comparison — a coverage rule's, a
suspension's or a route's region as it is saved, and an order's region as routing reads it —
so "西藏" in a rule matches "西藏自治区" on an order.
"""

from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_lock = threading.Lock()
_parser: Any = None


def _parse_location() -> Any:
    """jionlp's ``parse_location``, imported on first use (the import takes a second and
    prints a banner, which we swallow)."""
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                with contextlib.redirect_stdout(io.StringIO()):
                    import jionlp

                _parser = jionlp.parse_location
    return _parser


@dataclass(frozen=True)
class ParsedAddress:
    province: str
    city: str
    district: str
    rest: str

    @property
    def region(self) -> tuple[str, str, str]:
        return (self.province, self.city, self.district)

    @property
    def found(self) -> bool:
        return bool(self.province)


def _clean(text: str | None) -> str:
    return (text or "").strip()


@lru_cache(maxsize=4096)
def parse_address(text: str) -> ParsedAddress:
    """A free-text address into its province, city and district (full names, blank where
    the text does not say) and the rest (street, building…). A municipality's city is the
    municipality itself (北京市 / 北京市 / 朝阳区); a county-level city that belongs directly
    to its province (湖北省仙桃市) is the city, with no district."""
    text = " ".join((text or "").split())
    if not text:
        return ParsedAddress("", "", "", "")
    result = _parse_location()(text)
    province = _clean(result.get("province"))
    city = _clean(result.get("city"))
    district = _clean(result.get("county"))
    if province and not city and district:
        city, district = district, ""
    return ParsedAddress(province, city, district, _clean(result.get("detail")))


@dataclass(frozen=True)
class NormalisedRegion:
    province: str
    city: str
    district: str
    # The parts the parser did not recognise: ("province" | "city" | "district", text).
    unknown: tuple[tuple[str, str], ...] = ()

    @property
    def region(self) -> tuple[str, str, str]:
        return (self.province, self.city, self.district)


def normalise_region(province: str, city: str = "", district: str = "") -> NormalisedRegion:
    """A region as people type it ("西藏", "" , "") into the names the parser gives
    ("西藏自治区", "", ""). Only the levels given are kept: a rule for a whole province stays
    a whole province. A part the parser cannot place is kept as typed and named in
    ``unknown``, so a form or an import can refuse it."""
    parts = {"province": _clean(province), "city": _clean(city), "district": _clean(district)}
    if not any(parts.values()):
        return NormalisedRegion("", "", "")
    parsed = parse_address("".join(v for v in parts.values() if v))
    out = {"province": parsed.province, "city": parsed.city, "district": parsed.district}
    unknown = []
    for level in ("province", "city", "district"):
        if not parts[level]:
            continue
        if not out[level]:
            unknown.append((level, parts[level]))
            out[level] = parts[level]
    # Only the levels asked for: a rule for "西藏" stays the whole province.
    if not parts["city"] and not parts["district"]:
        out["city"] = out["district"] = ""
    elif not parts["district"]:
        out["district"] = ""
    return NormalisedRegion(out["province"], out["city"], out["district"], tuple(unknown))


def region_source(province: str, city: str, district: str, street: str) -> str:
    """The text an order's region is made from, as the sweep compares it in SQL (a changed
    address is parsed again)."""
    return f"{province}|{city}|{district}|{street}"


def order_region(order: Any) -> tuple[tuple[str, str, str], str]:
    """The region routing reads for an order, and the text it was made from. Structured
    fields win; an order whose province is blank is parsed from its street (the whole
    address as free text)."""
    source = region_source(order.province, order.city, order.district, order.street)
    if _clean(order.province):
        return normalise_region(order.province, order.city, order.district).region, source
    text = " ".join(_clean(p) for p in (order.city, order.district, order.street) if _clean(p))
    return parse_address(text).region, source
