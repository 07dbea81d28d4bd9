"""The inbox's reads: stages from the registry, the tabs' counts in one query, each role's own
queue, and the search's every branch (closed cases too)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from aftersales.cases import selectors
from aftersales.cases.registry import Action, Kind, Registry, Stage, registry
from aftersales.cases.selectors import InboxFilters
from aftersales.cases.services import case_update
from aftersales.orders.models import Order
from tests.cases.inbox_story import NOW, cases_at_every_stage, open_case, step
from tests.factories import ShipmentFactory, UserFactory


@pytest.fixture
def story(shop, agent, warehouse):
    return cases_at_every_stage(shop, agent=agent, warehouse=warehouse)


def _names(story, cases) -> list[str]:
    by_pk = {case.pk: name for name, case in story.items()}
    return [by_pk.get(case.pk, f"?{case.pk}") for case in cases]


def _inbox(user, **filters) -> list:
    return list(selectors.inbox(user=user, filters=InboxFilters(**filters), now=NOW))


# --- stages, as the kinds registered them ------------------------------------------------


def test_every_open_status_of_returns_stands_at_a_stage_but_the_parcels_to_the_buyer():
    unstaged = {
        (kind.code, status)
        for kind in registry.kinds()
        for status in kind.statuses
        if status not in kind.closed and status not in kind.stages
    }

    # Parcels on their way to the buyer: §1's reship and replacement, and a problem parcel
    # re-delivered, waiting at a station or reshipped by another carrier.
    assert {status for _kind, status in unstaged} <= {
        "reshipped",
        "replacement_shipped",
        "redelivering",
        "awaiting_pickup",
        "parcel_reshipped",
    }
    assert registry.stage_of("return_refund", "return_shipped") == Stage.TO_RECEIVE
    # A refusal opens with the refused parcel already on its way back.
    assert registry.stage_of("refusal", "requested") == Stage.TO_RECEIVE
    assert registry.stage_of("return_refund", "requested") == Stage.PENDING
    assert registry.stage_of("return_refund", "completed") is None


def _kind(**extra) -> Kind:
    noop = Action(name="go", label="go", handler=lambda ctx: None, roles=frozenset())
    return Kind(
        code="k",
        label="k",
        area="test",
        statuses={"new": "new", "done": "done"},
        closed=frozenset({"done"}),
        moves=(("new", "go", "done"),),
        actions={"go": noop},
        **extra,
    )


@pytest.mark.parametrize(
    "stages",
    [{"gone": "pending"}, {"done": "pending"}, {"new": "somewhere"}],
    ids=["unknown status", "closed status", "unknown stage"],
)
def test_a_kind_maps_only_its_open_statuses_to_known_stages(stages):
    with pytest.raises(ImproperlyConfigured):
        Registry().register(_kind(stages=stages))


def test_a_tab_filters_by_each_kinds_own_statuses(story, agent):
    # The refused parcel has the shop's 48 hours running; the buyer's return has no clock.
    assert _names(story, _inbox(agent, stage="to_receive")) == ["refused_parcel", "to_receive"]
    assert _names(story, _inbox(agent, stage="pending")) == ["overdue", "pending", "pending_mine"]
    assert _names(story, _inbox(agent, stage="awaiting_buyer")) == ["awaiting_buyer"]
    assert _names(story, _inbox(agent, stage="refunding")) == ["refunding"]
    assert _names(story, _inbox(agent, stage="refund_failed")) == ["refund_failed"]
    assert _names(story, _inbox(agent, stage="awaiting_approval")) == []
    assert _names(story, _inbox(agent, stage="overdue")) == ["overdue"]


def test_the_counts_are_one_query_for_every_tab(story, agent, django_assert_num_queries):
    agent.shop_ids()  # the request's user has them by now

    with django_assert_num_queries(1):
        counts = selectors.inbox_counts(user=agent, filters=InboxFilters(), now=NOW)

    assert counts == {
        # Assigned to the agent (1); unassigned, pending (2) or with a failed refund (1).
        "mine": 4,
        "all": 8,
        "pending": 3,
        "awaiting_buyer": 1,
        "to_receive": 2,
        "refunding": 1,
        "refund_failed": 1,
        "awaiting_approval": 0,
        "overdue": 1,
    }


def test_the_counts_follow_the_filters_that_narrow_every_tab(story, agent):
    counts = selectors.inbox_counts(
        user=agent, filters=InboxFilters(kind="refund_only", q="ignored", stage="x"), now=NOW
    )

    assert (counts["all"], counts["pending"], counts["refunding"], counts["to_receive"]) == (
        3,
        1,
        1,
        0,
    )


def test_the_counts_hold_nothing_of_another_shop(story, outsider):
    counts = selectors.inbox_counts(user=outsider, filters=InboxFilters(), now=NOW)

    assert set(counts.values()) == {0}


# --- each role's own queue ---------------------------------------------------------------


def test_the_agents_queue_is_theirs_and_the_unassigned_pending(story, agent, agent2):
    case_update(case_id=story["overdue"].pk, actor=agent, now=NOW, assignee=agent2)

    mine = _names(story, _inbox(agent, stage="mine"))
    theirs = _names(story, _inbox(agent2, stage="mine"))

    # What is due first: the failed refund's 24 hours, then the 48 hours to answer.
    assert mine == ["refund_failed", "pending", "pending_mine"]
    assert theirs == ["overdue", "refund_failed", "pending"]


def test_the_warehouse_queue_is_the_parcels_to_receive_by_deadline(story, warehouse):
    assert selectors.default_tab(warehouse) == "to_receive"
    assert _names(story, _inbox(warehouse, stage="mine")) == ["refused_parcel", "to_receive"]
    counts = selectors.inbox_counts(user=warehouse, filters=InboxFilters(), now=NOW)
    assert counts["mine"] == counts["to_receive"] == 2


def test_the_supervisors_queue_is_theirs_and_what_was_escalated(story, supervisor, agent):
    from aftersales.cases.services import cases_escalate_overdue

    cases_escalate_overdue(now=NOW)

    assert selectors.default_tab(supervisor) == "mine"
    assert _names(story, _inbox(supervisor, stage="mine")) == ["overdue"]


# --- amounts ------------------------------------------------------------------------------


def test_each_row_carries_the_amount_its_kind_registered_in_the_one_query(
    story, agent, django_assert_num_queries
):
    agent.shop_ids()

    with django_assert_num_queries(1):
        rows = {c.pk: (c.inbox_amount, c.order.order_no, c.shop.name) for c in _inbox(agent)}

    assert rows[story["pending"].pk][0] == Decimal("5.50")
    assert rows[story["refunding"].pk][0] == Decimal("9.90")


# --- search -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("tb-closed", ["closed"]),  # a closed case is found
        ("TB-CLOSED", ["closed"]),  # whatever the case of the letters
        ("alice", ["pending"]),  # three characters or more: anywhere in the nick
        ("Tb-Alice-长名字", ["pending"]),
        ("TB-", ["pending", "closed"]),
        ("li", []),  # two: only at the start
        ("王小明", ["closed"]),  # the receiver's name
        ("王小", ["closed"]),  # a surname and a given name
        ("小明", []),
        ("x", []),  # one letter is too little
    ],
)
def test_search_by_nick_and_receiver(story, agent, term, expected):
    assert _names(story, _inbox(agent, q=term)) == expected


def test_search_by_order_number_waybill_and_case_number_finds_closed_cases(story, agent):
    closed = story["closed"]
    waybill = closed.order.shipments.get().waybill_no
    returned = story["to_receive"].shipments.get().waybill_no

    assert _names(story, _inbox(agent, q=closed.order.order_no)) == ["closed"]
    assert _names(story, _inbox(agent, q=waybill)) == ["closed"]
    assert _names(story, _inbox(agent, q=waybill.lower())) == ["closed"]
    assert _names(story, _inbox(agent, q=returned)) == ["to_receive"]
    assert _names(story, _inbox(agent, q=closed.number)) == ["closed"]
    assert _names(story, _inbox(agent, q=closed.number.lower())) == ["closed"]
    # A part of an order number is not a search for it.
    assert _names(story, _inbox(agent, q=closed.order.order_no[:-1])) == []


def test_search_by_the_last_four_digits_of_the_phone(shop, agent):
    ada = open_case(shop, agent, receiver_phone="13900001234")
    open_case(shop, agent, receiver_phone="13900004321")
    story = {"ada": ada}

    assert _names(story, _inbox(agent, q="1234")) == ["ada"]
    assert _names(story, _inbox(agent, q="139-0000-1234")) == ["ada"]
    assert _names(story, _inbox(agent, q="9999")) == []


def test_search_never_finds_another_shops_case(story, outsider, other_shop):
    theirs = open_case(other_shop, outsider, buyer_nick="tb-closed-too")

    assert [c.pk for c in _inbox(outsider, q="tb-closed")] == [theirs.pk]
    assert _inbox(outsider, q=story["closed"].number) == []
    assert _inbox(outsider, q=story["closed"].order.order_no) == []


def test_search_keeps_the_other_filters(story, agent):
    assert _names(story, _inbox(agent, q="tb-closed", kind="refund_only")) == []
    assert _names(story, _inbox(agent, q="alice", stage="pending")) == ["pending"]


def test_each_search_branch_is_bounded(shop, agent, settings, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_LIMIT", 3)
    for n in range(5):
        Order.objects.create(
            shop=shop, order_no=f"9{n}", buyer_nick=f"many-{n}", created_at=NOW, status="success"
        )
    ShipmentFactory(order=Order.objects.get(order_no="90"), waybill_no="W1")

    ids = selectors.search_order_ids(shop_ids=[shop.pk], term="many")

    assert len(ids) == 3


def test_a_new_user_without_a_role_reads_nothing(shop):
    nobody = UserFactory(username="norole", roles=[], shops=[shop])

    with pytest.raises(Exception, match="查看售后单"):
        selectors.inbox_counts(user=nobody, filters=InboxFilters(), now=NOW)


def test_overdue_is_against_the_clock_given(story, agent):
    later = NOW + dt.timedelta(days=3)

    counts = selectors.inbox_counts(user=agent, filters=InboxFilters(), now=later)

    # The three pending and the refusal (48 hours to answer), the failed refund (24 hours).
    assert counts["overdue"] == 5


def test_step_helper_refuses_nothing_silently(shop, agent):
    case = open_case(shop, agent)
    step(case, "agree", actor=agent)
    assert selectors.inbox_rows(user=agent, case_ids=[case.pk]).get().status == "awaiting_return"
