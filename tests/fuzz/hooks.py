"""Schemathesis hooks for our OpenAPI: loaded by ``schemathesis.toml`` (``hooks =``) in the
pytest run and the full run alike.

JSON Schema cannot bound a date; our times say their range with ajv's ``formatMinimum`` and
``formatMaximum`` (aftersales.core.validation: 2000-01-01 to 2099-12-31, the range of a record
that can be read back and that a shop can mean). Schemathesis reads only ``format``, so its
``date`` and ``date-time`` values are drawn here from that range, in every offset RFC 3339
allows: a time outside it is refused with 422 (tests/fuzz/test_hostile.py proves that), which
a schema-valid value must never be.
"""

from __future__ import annotations

import datetime as dt

import schemathesis
from hypothesis import strategies as st

from aftersales.core.validation import EARLIEST_DAY, LATEST_DAY

# A day inside the range, with the offsets that keep the instant inside it too (a day at the
# very edge in a far offset could cross into 1999 or 2100).
_DAYS = st.dates(
    min_value=EARLIEST_DAY + dt.timedelta(days=1), max_value=LATEST_DAY - dt.timedelta(days=1)
)
_OFFSETS = st.just("Z") | st.builds(
    "{}{:02d}:{:02d}".format, st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)
)
_FRACTIONS = st.just("") | st.integers(0, 999_999).map(".{:06d}".format)
_DATETIMES = st.builds(
    "{}T{:02d}:{:02d}:{:02d}{}{}".format,
    _DAYS.map(dt.date.isoformat),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    _FRACTIONS,
    _OFFSETS,
)

schemathesis.openapi.format("date", _DAYS.map(dt.date.isoformat))
schemathesis.openapi.format("date-time", _DATETIMES)
