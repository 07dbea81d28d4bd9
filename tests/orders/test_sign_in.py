"""Recording a parcel's sign-in: each precision, the refusals (each naming its field), the same
sign-in twice, the log of every change, who may, and the seven-day window reading it."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.forms.models import model_to_dict

from aftersales.accounts.models import Role
from aftersales.cases.models import Case
from aftersales.core.errors import DomainError, InvalidInput, NotFound, PermissionDeniedError
from aftersales.orders.models import Shipment, ShipmentSignInChange
from aftersales.orders.services import shipment_sign_in_record
from aftersales.orders.services.sign_in import (
    MSG_NOTE_REQUIRED,
    MSG_SIGNED_AT_FUTURE,
    shipment_sign_in_preview,
)
from aftersales.returns.services import return_case_open
from tests.factories import OrderFactory, OrderLineFactory, ShipmentFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


# The parcel left at 16:00 on Tue 10 Nov 2026 (Shanghai); a person records its sign-in at
# 10:00 on Fri 20 Nov.
SHIPPED_AT = sh(2026, 11, 10, 16, 0)
NOW = sh(2026, 11, 20, 10, 0)
NONE_STATE = {"precision": "none", "at": None, "on": None, "source": ""}


@pytest.fixture
def parcel(shop):
    """The outbound parcel of an order of the shop, not signed for yet."""
    order = OrderFactory(shop=shop)
    OrderLineFactory(order=order, line_no=1)
    return ShipmentFactory(order=order, shipped_at=SHIPPED_AT)


@pytest.fixture
def tracked(shop):
    """A parcel the carrier's tracking says was signed for at 10:00 on Thu 12 Nov."""
    order = OrderFactory(shop=shop)
    OrderLineFactory(order=order, line_no=1)
    return ShipmentFactory(
        order=order, shipped_at=SHIPPED_AT, sign_precision="exact", signed_at=sh(2026, 11, 12, 10)
    )


def record(shipment, actor, **values):
    values.setdefault("now", NOW)
    return shipment_sign_in_record(shipment_id=shipment.pk, actor=actor, **values)


def stored(shipment) -> dict:
    return model_to_dict(Shipment.objects.get(pk=shipment.pk))


# --- each precision -------------------------------------------------------------------------------


def test_an_agent_records_the_exact_sign_in(parcel, agent):
    result = record(parcel, agent, precision="exact", at=sh(2026, 11, 12, 10, 5))

    parcel.refresh_from_db()
    assert result.pk == parcel.pk
    assert (parcel.sign_precision, parcel.signed_at, parcel.signed_on, parcel.sign_source) == (
        "exact",
        sh(2026, 11, 12, 10, 5),
        None,
        "person",
    )
    assert (parcel.sign_recorded_by, parcel.sign_recorded_at) == (agent, NOW)
    change = ShipmentSignInChange.objects.get()
    assert (change.shipment, change.actor, change.at, change.note) == (parcel, agent, NOW, "")
    assert change.before == NONE_STATE
    assert change.after == {
        "precision": "exact",
        "at": "2026-11-12T02:05:00+00:00",
        "on": None,
        "source": "person",
    }


def test_a_date_only_sign_in_read_off_the_tracking(parcel, warehouse):
    record(parcel, warehouse, precision="date", on=dt.date(2026, 11, 12), source="tracking")

    parcel.refresh_from_db()
    assert (parcel.sign_precision, parcel.signed_at, parcel.signed_on, parcel.sign_source) == (
        "date",
        None,
        dt.date(2026, 11, 12),
        "tracking",
    )
    change = ShipmentSignInChange.objects.get()
    assert change.after == {
        "precision": "date",
        "at": None,
        "on": "2026-11-12",
        "source": "tracking",
    }


def test_none_clears_the_sign_in_and_says_who_cleared_it(tracked, supervisor):
    record(tracked, supervisor, precision="none", note="快递误报签收，包裹仍在网点")

    tracked.refresh_from_db()
    assert (tracked.sign_precision, tracked.signed_at, tracked.signed_on) == ("none", None, None)
    assert (tracked.sign_source, tracked.sign_recorded_by, tracked.sign_recorded_at) == (
        "",
        None,
        None,
    )
    change = ShipmentSignInChange.objects.get()
    assert change.before == {
        "precision": "exact",
        "at": "2026-11-12T02:00:00+00:00",
        "on": None,
        "source": "tracking",
    }
    assert change.after == NONE_STATE
    assert (change.actor, change.note) == (supervisor, "快递误报签收，包裹仍在网点")


def test_a_correction_logs_before_and_after(tracked, agent):
    record(
        tracked,
        agent,
        precision="date",
        on=dt.date(2026, 11, 11),
        note="买家来电：11日已由驿站代收",
    )

    tracked.refresh_from_db()
    assert (tracked.sign_precision, tracked.signed_on, tracked.sign_source) == (
        "date",
        dt.date(2026, 11, 11),
        "person",
    )
    change = ShipmentSignInChange.objects.get()
    assert (change.before["precision"], change.before["source"]) == ("exact", "tracking")
    assert change.after == {
        "precision": "date",
        "at": None,
        "on": "2026-11-11",
        "source": "person",
    }
    assert change.note == "买家来电：11日已由驿站代收"


def test_each_change_leaves_its_own_row(parcel, agent):
    record(parcel, agent, precision="exact", at=sh(2026, 11, 12, 10))
    record(parcel, agent, precision="exact", at=sh(2026, 11, 12, 11), note="轨迹更正")
    record(parcel, agent, precision="none", note="误录")

    changes = list(ShipmentSignInChange.objects.order_by("id"))
    assert [c.after["precision"] for c in changes] == ["exact", "exact", "none"]
    # Each change starts where the one before it ended.
    assert [c.before for c in changes[1:]] == [c.after for c in changes[:-1]]


# --- the same sign-in twice -----------------------------------------------------------------------


def test_the_same_sign_in_twice_writes_nothing_the_second_time(parcel, agent):
    record(parcel, agent, precision="exact", at=sh(2026, 11, 12, 10))
    before = stored(parcel)

    # The same instant, said in UTC, by someone else, a day later, without a note.
    record(
        parcel,
        UserFactory(username="agent-b", roles=["agent"], shops=[parcel.order.shop]),
        precision="exact",
        at=dt.datetime(2026, 11, 12, 2, 0, tzinfo=UTC),
        now=NOW + dt.timedelta(days=1),
    )

    assert stored(parcel) == before
    assert ShipmentSignInChange.objects.count() == 1


def test_the_same_tracking_sign_in_again_needs_no_note(tracked, agent):
    before = stored(tracked)

    record(tracked, agent, precision="exact", at=sh(2026, 11, 12, 10), source="tracking")

    assert stored(tracked) == before
    assert ShipmentSignInChange.objects.count() == 0


def test_the_same_time_from_another_source_is_a_change(tracked, agent):
    record(tracked, agent, precision="exact", at=sh(2026, 11, 12, 10), note="买家确认")

    change = ShipmentSignInChange.objects.get()
    assert (change.before["source"], change.after["source"]) == ("tracking", "person")


# --- refusals: each names its field, and nothing is written ---------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"precision": "sometimes"}, "precision", "invalid"),
        ({"precision": "exact"}, "signed_at", "required"),
        ({"precision": "exact", "at": dt.datetime(2026, 11, 12, 10)}, "signed_at", "invalid"),  # noqa: DTZ001
        ({"precision": "exact", "at": NOW + dt.timedelta(minutes=6)}, "signed_at", "in_future"),
        ({"precision": "exact", "at": sh(2026, 11, 10, 15, 59)}, "signed_at", "before_shipped"),
        (
            {"precision": "exact", "at": sh(2026, 11, 12, 10), "on": dt.date(2026, 11, 12)},
            "signed_on",
            "invalid",
        ),
        (
            {"precision": "exact", "at": sh(2026, 11, 12, 10), "source": "rumour"},
            "source",
            "invalid",
        ),
        ({"precision": "date"}, "signed_on", "required"),
        ({"precision": "date", "on": dt.date(2026, 11, 21)}, "signed_on", "in_future"),
        ({"precision": "date", "on": dt.date(2026, 11, 9)}, "signed_on", "before_shipped"),
        ({"precision": "date", "on": sh(2026, 11, 12, 10)}, "signed_on", "invalid"),
        (
            {"precision": "date", "on": dt.date(2026, 11, 12), "at": sh(2026, 11, 12, 10)},
            "signed_at",
            "invalid",
        ),
        ({"precision": "none", "at": sh(2026, 11, 12, 10)}, "signed_at", "invalid"),
        ({"precision": "none", "on": dt.date(2026, 11, 12)}, "signed_on", "invalid"),
        (
            {"precision": "exact", "at": sh(2026, 11, 12, 10), "note": "长" * 256},
            "note",
            "too_long",
        ),
    ],
)
def test_a_refusal_names_the_field_and_writes_nothing(parcel, agent, values, field, code):
    before = stored(parcel)

    with pytest.raises(InvalidInput) as refused:
        record(parcel, agent, **values)

    assert (refused.value.field, refused.value.code, refused.value.status) == (field, code, 422)
    assert stored(parcel) == before
    assert ShipmentSignInChange.objects.count() == 0


def test_a_time_a_few_minutes_ahead_of_our_clock_is_taken(parcel, agent):
    record(parcel, agent, precision="exact", at=NOW + dt.timedelta(minutes=4))

    parcel.refresh_from_db()
    assert parcel.signed_at == NOW + dt.timedelta(minutes=4)


def test_the_future_is_said_in_words(parcel, agent):
    with pytest.raises(InvalidInput) as refused:
        record(parcel, agent, precision="exact", at=NOW + dt.timedelta(hours=1))

    assert str(refused.value.message) == str(MSG_SIGNED_AT_FUTURE) == "签收时间不能晚于现在。"


def test_the_day_of_shipping_is_a_possible_sign_in_date(parcel, agent):
    record(parcel, agent, precision="date", on=dt.date(2026, 11, 10))

    parcel.refresh_from_db()
    assert parcel.signed_on == dt.date(2026, 11, 10)


def test_changing_a_recorded_sign_in_needs_a_note(tracked, agent):
    before = stored(tracked)

    with pytest.raises(InvalidInput) as refused:
        record(tracked, agent, precision="exact", at=sh(2026, 11, 13, 10), note="  ")

    assert (refused.value.field, refused.value.code) == ("note", "note_required")
    assert str(refused.value.message) == str(MSG_NOTE_REQUIRED)
    assert stored(tracked) == before
    assert ShipmentSignInChange.objects.count() == 0


def test_a_parcel_coming_back_has_no_buyer_sign_in(parcel, agent):
    back = ShipmentFactory(order=parcel.order, direction="return", shipped_at=SHIPPED_AT)

    with pytest.raises(DomainError) as refused:
        record(back, agent, precision="exact", at=sh(2026, 11, 15, 10))

    assert refused.value.code == "not_to_buyer"
    assert ShipmentSignInChange.objects.count() == 0


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "warehouse", "supervisor"])
def test_the_roles_that_may_record_it(parcel, shop, role):
    actor = UserFactory(username=f"as-{role}", roles=[role], shops=[shop])

    record(parcel, actor, precision="exact", at=sh(2026, 11, 12, 10))

    assert ShipmentSignInChange.objects.get().actor == actor


@pytest.mark.parametrize(
    "role", ["packer", "review_specialist", "dispute_specialist", "administrator"]
)
def test_a_role_without_the_permission_is_refused(parcel, shop, role):
    actor = UserFactory(username=f"as-{role}", roles=[role], shops=[shop])
    before = stored(parcel)

    with pytest.raises(PermissionDeniedError) as refused:
        record(parcel, actor, precision="exact", at=sh(2026, 11, 12, 10))

    assert (refused.value.status, str(refused.value.message)) == (403, "您的角色不能登记签收。")
    assert stored(parcel) == before
    assert ShipmentSignInChange.objects.count() == 0


def test_the_permission_is_checked_before_the_values(parcel, shop):
    packer = UserFactory(username="packer", roles=["packer"], shops=[shop])

    with pytest.raises(PermissionDeniedError):
        record(parcel, packer, precision="sometimes")


def test_an_outsider_finds_no_such_parcel(parcel, outsider):
    before = stored(parcel)

    with pytest.raises(NotFound):
        record(parcel, outsider, precision="exact", at=sh(2026, 11, 12, 10))

    assert stored(parcel) == before
    assert ShipmentSignInChange.objects.count() == 0


def test_an_unknown_parcel_is_not_found(agent):
    with pytest.raises(NotFound):
        shipment_sign_in_record(
            shipment_id=999999, actor=agent, now=NOW, precision="exact", at=sh(2026, 11, 12)
        )


# --- the preview the page confirms with -----------------------------------------------------------


def test_the_preview_says_what_would_change_and_writes_nothing(tracked, agent):
    before = stored(tracked)

    preview = shipment_sign_in_preview(
        shipment_id=tracked.pk,
        actor=agent,
        now=NOW,
        precision="date",
        on=dt.date(2026, 11, 11),
        note="买家来电",
    )
    same = shipment_sign_in_preview(
        shipment_id=tracked.pk,
        actor=agent,
        now=NOW,
        precision="exact",
        at=sh(2026, 11, 12, 10),
        source="tracking",
    )

    assert preview.changed
    assert (preview.before.precision, preview.after.precision) == ("exact", "date")
    assert not same.changed
    assert stored(tracked) == before
    assert ShipmentSignInChange.objects.count() == 0


def test_the_preview_refuses_as_recording_would(tracked, shop):
    packer = UserFactory(username="packer", roles=["packer"], shops=[shop])

    with pytest.raises(PermissionDeniedError):
        shipment_sign_in_preview(
            shipment_id=tracked.pk, actor=packer, now=NOW, precision="none", note="x"
        )
    with pytest.raises(InvalidInput) as refused:
        shipment_sign_in_preview(
            shipment_id=tracked.pk,
            actor=UserFactory(username="a", roles=["agent"], shops=[shop]),
            now=NOW,
            precision="none",
        )
    assert refused.value.field == "note"


# --- the database keeps source and precision together ---------------------------------------------


def test_the_database_refuses_a_sign_in_without_a_source(parcel):
    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.filter(pk=parcel.pk).update(
            sign_precision="exact", signed_at=sh(2026, 11, 12, 10), sign_source=""
        )


def test_the_database_refuses_a_source_without_a_sign_in(parcel):
    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.filter(pk=parcel.pk).update(sign_source="person")


# --- the seven-day window reads what was recorded -------------------------------------------------


def test_the_no_reason_window_counts_from_the_recorded_sign_in(shop, agent):
    # Given a parcel the tracking says was signed for on 18 Nov (date only): inside the window
    now = sh(2026, 11, 20, 10, 0)
    order = OrderFactory(shop=shop)
    line = OrderLineFactory(order=order, line_no=1, quantity=10)
    shipment = ShipmentFactory(
        order=order, shipped_at=SHIPPED_AT, sign_precision="date", signed_on=dt.date(2026, 11, 18)
    )

    def open_return():
        return return_case_open(
            order=order,
            kind="return_refund",
            lines=[(line, 1)],
            reason="no_reason",
            actor=agent,
            now=now,
        )

    allowed = open_return()

    # When a person records that the buyer really signed for it eight days ago
    shipment_sign_in_record(
        shipment_id=shipment.pk,
        actor=agent,
        now=now,
        precision="exact",
        at=now - dt.timedelta(days=8),
        note="驿站记录：12日已签收",
    )

    # Then the case already open is left as it was, and a new no-reason return is refused
    assert Case.objects.get(pk=allowed.pk).status == allowed.status
    with pytest.raises(DomainError) as refused:
        open_return()
    assert refused.value.code == "window_closed"
    assert Case.objects.filter(order=order).count() == 1


# --- two people at once (PostgreSQL: row locks) ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks; set DATABASE_URL=postgres://… to run it",
)
def test_two_people_recording_at_once_the_second_sees_the_first(shop):
    # The flush after a transactional test empties the role groups the migration made.
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    order = OrderFactory(shop=shop)
    parcel = ShipmentFactory(order=order, shipped_at=SHIPPED_AT)
    agents = [UserFactory(username=f"agent{i}", roles=["agent"], shops=[shop]) for i in range(2)]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def work(i):
        try:
            barrier.wait(timeout=30)
            results[i] = (
                "ok",
                record(parcel, agents[i], precision="exact", at=sh(2026, 11, 12, 10 + i)),
            )
        except Exception as exc:  # every outcome is asserted below
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    # The first records it; the second finds a sign-in on record and, giving no reason to
    # change it, is refused rather than overwriting it unseen.
    outcomes = sorted(outcome for outcome, _ in results)
    assert outcomes == ["error", "ok"]
    error = next(value for outcome, value in results if outcome == "error")
    assert (error.field, error.code) == ("note", "note_required")
    change = ShipmentSignInChange.objects.get()
    assert change.before == NONE_STATE


# --- the migration: where the sign-ins already stored came from -----------------------------------


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_the_stored_sign_ins_the_tracking_as_their_source():
    apps = _migrate([("orders", "0002_shipment_carrier_core")])
    Shop = apps.get_model("accounts", "Shop")
    Order = apps.get_model("orders", "Order")
    Shipment = apps.get_model("orders", "Shipment")
    order = Order.objects.create(
        shop=Shop.objects.create(name="袜子旗舰店"),
        order_no="4100000000000000001",
        status="success",
        created_at=SHIPPED_AT,
    )
    exact = Shipment.objects.create(
        order=order, direction="outbound", sign_precision="exact", signed_at=sh(2026, 11, 12, 10)
    )
    date = Shipment.objects.create(
        order=order, direction="outbound", sign_precision="date", signed_on=dt.date(2026, 11, 12)
    )
    unsigned = Shipment.objects.create(order=order, direction="outbound")

    try:
        apps = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        Shipment = apps.get_model("orders", "Shipment")

        sources = dict(Shipment.objects.values_list("pk", "sign_source"))
        assert sources == {exact.pk: "tracking", date.pk: "tracking", unsigned.pk: ""}
        assert set(Shipment.objects.values_list("sign_recorded_by", "sign_recorded_at")) == {
            (None, None)
        }
    finally:
        # The flush after a transactional test empties the role groups the migration made.
        for role in Role.values:
            Group.objects.get_or_create(name=role)


# --- the system -----------------------------------------------------------------------------------


def test_the_system_records_what_the_tracking_says(parcel):
    record(parcel, None, precision="exact", at=sh(2026, 11, 12, 10, 5), source="tracking")

    parcel.refresh_from_db()
    assert (parcel.sign_precision, parcel.sign_source, parcel.sign_recorded_by) == (
        "exact",
        "tracking",
        None,
    )
    assert ShipmentSignInChange.objects.get().actor is None


@pytest.mark.parametrize("source", ["person", "platform"])
def test_the_system_records_nothing_but_the_tracking(parcel, source):
    with pytest.raises(PermissionDeniedError):
        record(parcel, None, precision="exact", at=sh(2026, 11, 12, 10, 5), source=source)

    assert stored(parcel)["sign_precision"] == "none"
    assert not ShipmentSignInChange.objects.exists()
