"""Two runs of the penalty job at once apply each penalty once, with one revocation each:
what only PostgreSQL's row locks can show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from aftersales.logistics.models import PriorityRevocation
from aftersales.scorecards.models import Penalty
from aftersales.scorecards.services import penalties_apply
from tests.concurrency import run_together
from tests.scorecards.conftest import at, event, ship

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks; set DATABASE_URL=postgres://… to run it",
    ),
]

NOV = dt.date(2026, 11, 1)
RUN_AT = at(2026, 12, 1, 2, 0)


def test_two_runs_at_once_apply_it_once(shop, yto, make_policy):
    # 20 parcels, 3 out of area and 1 stranded: past both rules.
    for i in range(20):
        parcel = ship(shop, yto, at(2026, 11, 2 + i, 10))
        if i < 3:
            event(parcel, "out_of_area")
        if i == 3:
            event(parcel, "stranded")
    make_policy()
    make_policy(metric="problem_parcel_rate", threshold_pct=Decimal("10.00"))

    results = run_together(4, lambda i: penalties_apply(month=NOV, now=RUN_AT))

    assert [r[0] for r in results] == ["ok"] * 4, results
    assert sum(r[1].penalties_new for r in results) == 2
    assert sum(r[1].revocations_new for r in results) == 2
    assert Penalty.objects.count() == 2
    assert PriorityRevocation.objects.count() == 2
    assert sorted(PriorityRevocation.objects.values_list("source", flat=True)) == sorted(
        f"penalty:{pk}" for pk in Penalty.objects.values_list("pk", flat=True)
    )
    assert Penalty.objects.filter(revocation__isnull=True).count() == 0
