"""Taking a case (领取) and handing out several at once: who may, the events written, another
shop's cases, all or nothing."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from aftersales.cases.models import Case, CaseEvent
from aftersales.cases.services import (
    ASSIGN_MANY_MAX,
    MSG_ASSIGN_CLOSED,
    MSG_ASSIGNEE_NOT_STAFF,
    MSG_TAKE_CLOSED,
    MSG_TAKEN_BY,
    case_take,
    case_update,
    cases_assign_many,
)
from aftersales.core.errors import (
    ConcurrentChange,
    DomainError,
    NotFound,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from tests.cases.inbox_story import NOW, open_case, step
from tests.factories import UserFactory

LATER = NOW + dt.timedelta(minutes=5)


def _events(case) -> list[tuple]:
    return list(
        CaseEvent.objects.filter(case=case)
        .exclude(action="create")
        .order_by("id")
        .values_list("action", "actor__username", "before", "after", "created_at")
    )


def _state(*cases) -> list[tuple]:
    return [
        Case.objects.filter(pk=c.pk).values_list("assignee_id", "version", "updated_at").get()
        for c in cases
    ]


# --- taking -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agent", "supervisor"])
def test_taking_an_unassigned_case_makes_it_yours(request, shop, agent, persona):
    taker = request.getfixturevalue(persona)
    case = open_case(shop, agent)

    taken = case_take(case_id=case.pk, actor=taker, now=LATER)

    case.refresh_from_db()
    assert (case.assignee, case.version, case.updated_at) == (taker, taken.version, LATER)
    assert taken.version == 2
    assert _events(case) == [
        ("assign", taker.username, {"assignee": None}, {"assignee": taker.pk, "taken": True}, LATER)
    ]


@pytest.mark.parametrize("role", ["warehouse", "packer", "review_specialist", "administrator"])
def test_a_role_that_may_not_assign_may_not_take(shop, agent, role):
    # The warehouse receives the shop's parcels without owning the case: were a clerk to take
    # it, it would be missing from the agents' pool when the goods are in.
    case = open_case(shop, agent)
    someone = UserFactory(username=f"as-{role}", roles=[role], shops=[shop])
    before = _state(case)

    with pytest.raises(PermissionDeniedError):
        case_take(case_id=case.pk, actor=someone, now=LATER)

    assert _state(case) == before
    assert _events(case) == []


def test_another_shops_case_is_not_found_to_take(shop, agent, outsider):
    case = open_case(shop, agent)

    with pytest.raises(NotFound):
        # However stale the version a stranger sends, the answer is that there is no such case.
        case_take(case_id=case.pk, actor=outsider, now=LATER, expected_version=99)

    assert _state(case) == [(None, 1, NOW)]


def test_a_case_that_does_not_exist_is_not_found(agent):
    with pytest.raises(NotFound):
        case_take(case_id=987654, actor=agent, now=LATER)


def test_someone_elses_case_is_refused_naming_them(shop, agent, agent2):
    case = open_case(shop, agent, assignee=agent2)

    with pytest.raises(ConcurrentChange) as refused:
        case_take(case_id=case.pk, actor=agent, now=LATER)

    assert refused.value.message == MSG_TAKEN_BY % {"number": case.number, "who": agent2}
    assert refused.value.code == "already_assigned"
    assert _state(case) == [(agent2.pk, 1, NOW)]


def test_taking_your_own_case_again_changes_nothing(shop, agent):
    case = open_case(shop, agent, assignee=agent)

    case_take(case_id=case.pk, actor=agent, now=LATER)

    assert _state(case) == [(agent.pk, 1, NOW)]
    assert _events(case) == []


def test_a_closed_case_cannot_be_taken(shop, agent):
    case = step(open_case(shop, agent), "refuse", actor=agent, reason="超出售后范围")
    before = _state(case)

    with pytest.raises(TransitionNotAllowed) as refused:
        case_take(case_id=case.pk, actor=agent, now=LATER)

    assert refused.value.message == MSG_TAKE_CLOSED % {"number": case.number}
    assert _state(case) == before


def test_a_stale_version_is_refused(shop, agent):
    case = open_case(shop, agent)

    with pytest.raises(ConcurrentChange):
        case_take(case_id=case.pk, actor=agent, now=LATER, expected_version=case.version - 1)

    assert _state(case) == [(None, 1, NOW)]


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks (select_for_update is a no-op on SQLite); "
    "set DATABASE_URL=postgres://… to run it",
)
@pytest.mark.django_db(transaction=True)
def test_two_agents_taking_at_once_one_gets_it_and_the_other_is_told_who(shop, agent, agent2):
    case = open_case(shop, agent)
    locked, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def first() -> None:
        try:
            with transaction.atomic():
                Case.objects.select_for_update().get(pk=case.pk)
                locked.set()
                release.wait(30)
                case_take(case_id=case.pk, actor=agent2, now=LATER)
        finally:
            connection.close()

    def second() -> None:
        try:
            case_take(case_id=case.pk, actor=agent, now=LATER)
            outcomes.append("took")
        except ConcurrentChange as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert locked.wait(30)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)
    waited = two.is_alive()
    release.set()
    one.join(30)
    two.join(30)

    assert waited, "the second take did not wait for the row"
    assert outcomes == ["already_assigned"]
    assert Case.objects.get(pk=case.pk).assignee_id == agent2.pk
    assert CaseEvent.objects.filter(case=case, action="assign").count() == 1


# --- handing out several ------------------------------------------------------------------


def test_assign_many_hands_each_case_over_with_its_own_event(shop, agent, agent2):
    a = open_case(shop, agent)
    b = open_case(shop, agent, assignee=agent)
    c = open_case(shop, agent, assignee=agent2)  # already theirs: left as it is

    cases = cases_assign_many(
        case_ids=[c.pk, a.pk, b.pk, a.pk], assignee=agent2, actor=agent, now=LATER
    )

    assert [x.pk for x in cases] == [a.pk, b.pk, c.pk]
    assert [(x.assignee_id, x.version) for x in cases] == [
        (agent2.pk, 2),
        (agent2.pk, 2),
        (agent2.pk, 1),
    ]
    assert _state(a, b, c) == [(agent2.pk, 2, LATER), (agent2.pk, 2, LATER), (agent2.pk, 1, NOW)]
    assert _events(a) == [("assign", "agent", {"assignee": None}, {"assignee": agent2.pk}, LATER)]
    assert _events(b) == [
        ("assign", "agent", {"assignee": agent.pk}, {"assignee": agent2.pk}, LATER)
    ]
    assert _events(c) == []


def test_assign_many_to_nobody_takes_them_back_to_the_pool(shop, agent, supervisor):
    a = open_case(shop, agent, assignee=agent)

    cases_assign_many(case_ids=[a.pk], assignee=None, actor=supervisor, now=LATER)

    assert _state(a) == [(None, 2, LATER)]
    assert _events(a) == [
        ("assign", "supervisor", {"assignee": agent.pk}, {"assignee": None}, LATER)
    ]


@pytest.mark.parametrize("role", ["warehouse", "packer", "administrator"])
def test_assign_many_needs_the_permission(shop, agent, role):
    a = open_case(shop, agent)
    someone = UserFactory(username=f"as-{role}", roles=[role], shops=[shop])

    with pytest.raises(PermissionDeniedError):
        cases_assign_many(case_ids=[a.pk], assignee=agent, actor=someone, now=LATER)

    assert _state(a) == [(None, 1, NOW)]


def test_one_case_of_another_shop_refuses_them_all(shop, other_shop, agent, outsider):
    # The agent works in both shops but may assign only where they hold the role: here the
    # outsider's case is simply not theirs to see.
    mine = open_case(shop, agent)
    theirs = open_case(other_shop, outsider)

    with pytest.raises(NotFound):
        cases_assign_many(case_ids=[mine.pk, theirs.pk], assignee=agent, actor=agent, now=LATER)

    assert _state(mine, theirs) == [(None, 1, NOW), (None, 1, NOW)]
    assert _events(mine) == [] == _events(theirs)


def test_a_case_that_does_not_exist_refuses_them_all(shop, agent):
    mine = open_case(shop, agent)

    with pytest.raises(NotFound):
        cases_assign_many(case_ids=[mine.pk, 987654], assignee=agent, actor=agent, now=LATER)

    assert _state(mine) == [(None, 1, NOW)]


def test_a_closed_case_refuses_them_all(shop, agent, agent2):
    a = open_case(shop, agent)
    closed = step(open_case(shop, agent), "refuse", actor=agent, reason="超出售后范围")

    with pytest.raises(TransitionNotAllowed) as refused:
        cases_assign_many(case_ids=[a.pk, closed.pk], assignee=agent2, actor=agent, now=LATER)

    assert refused.value.message == MSG_ASSIGN_CLOSED % {"numbers": closed.number}
    assert _state(a) == [(None, 1, NOW)]
    assert _events(a) == []


def test_the_person_must_be_active_staff_of_every_shop_involved(shop, other_shop, agent, outsider):
    both = UserFactory(username="both", roles=["agent"], shops=[shop, other_shop])
    here = open_case(shop, agent)
    there = open_case(other_shop, outsider)
    gone = UserFactory(username="gone", roles=["agent"], shops=[shop, other_shop], is_active=False)

    with pytest.raises(DomainError) as stranger:
        cases_assign_many(case_ids=[here.pk, there.pk], assignee=agent, actor=both, now=LATER)
    with pytest.raises(DomainError) as inactive:
        cases_assign_many(case_ids=[here.pk], assignee=gone, actor=both, now=LATER)
    cases_assign_many(case_ids=[here.pk, there.pk], assignee=both, actor=both, now=LATER)

    assert stranger.value.message == inactive.value.message == MSG_ASSIGNEE_NOT_STAFF
    assert _state(here, there) == [(both.pk, 2, LATER), (both.pk, 2, LATER)]


def test_nothing_or_too_many_is_refused(shop, agent):
    with pytest.raises(DomainError) as nothing:
        cases_assign_many(case_ids=[], assignee=agent, actor=agent, now=LATER)
    with pytest.raises(DomainError) as too_many:
        cases_assign_many(
            case_ids=range(1, ASSIGN_MANY_MAX + 2), assignee=agent, actor=agent, now=LATER
        )

    assert (nothing.value.code, too_many.value.code) == ("required", "too_many")


def test_assign_many_writes_in_sets(shop, agent, agent2, django_assert_max_num_queries):
    cases = [open_case(shop, agent) for _ in range(12)]

    # The lock, the assignee's shops, one UPDATE, one INSERT, and the transaction's own.
    with django_assert_max_num_queries(8):
        cases_assign_many(case_ids=[c.pk for c in cases], assignee=agent2, actor=agent, now=LATER)

    assert CaseEvent.objects.filter(action="assign").count() == 12


def test_reassigning_afterwards_still_goes_through_case_update(shop, agent, agent2):
    # Taking is only for the unassigned; moving a case from one person to another stays an
    # explicit reassignment.
    case = open_case(shop, agent, assignee=agent2)

    case_update(case_id=case.pk, actor=agent, now=LATER, assignee=agent)

    assert _state(case)[0][0] == agent.pk
