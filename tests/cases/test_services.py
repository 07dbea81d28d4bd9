"""The case core: numbers, lines, the one guard, the timeline, notes, photos and roles."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from aftersales.cases import services, workflows
from aftersales.cases.models import Case, CaseAttachment, CaseEvent, CaseNote, Priority, Reason
from aftersales.core.errors import (
    ConcurrentChange,
    DomainError,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from aftersales.returns.kinds import CaseKind, CaseStatus
from tests.returns.factories import act, case_open, order_build, reloaded, sh, utc, written

# 17:30 UTC on 14 Nov is 01:30 on 15 Nov in Shanghai: the number carries the Shanghai date.
CREATED = utc(2026, 11, 14, 17, 30)
LATER = utc(2026, 11, 14, 18, 0)

PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
# A whole 2x2 JPEG (Pillow, quality 80): a photo is decoded, its first bytes are not enough.
JPEG_2X2 = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUf"
    "GhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgo"
    "KCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAACAAIDASIAAhEBAxEB/8QAHwAAAQUBAQEB"
    "AQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKB"
    "kaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1"
    "dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl"
    "5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcF"
    "BAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5"
    "OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0"
    "tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDgKKKK+ePx"
    "9hP/2Q=="
)


@pytest.fixture
def order(shop):
    return order_build(shop=shop, lines=[{}, {"title": "棉质短袜 5双装", "quantity": 5}])


def _create(order, agent, lines=None, now=CREATED, **extra):
    order, order_lines = order
    return services.case_create(
        order=order,
        kind=CaseKind.RETURN_REFUND,
        lines=lines if lines is not None else [(order_lines[0], 2)],
        actor=agent,
        now=now,
        reason=Reason.QUALITY,
        **extra,
    )


# --- creating ------------------------------------------------------------------------------


def test_create_numbers_the_case_by_its_shanghai_date_and_key(order, agent):
    case = _create(order, agent)

    assert case.number == f"AS261115{case.pk:07d}"
    assert reloaded(case).number == case.number


def test_create_number_ignores_the_time_zone_active_for_the_request(order, agent):
    with timezone.override("UTC"):
        case = _create(order, agent)

    assert case.number == f"AS261115{case.pk:07d}"


def test_create_writes_the_case_its_lines_and_the_create_event(order, agent):
    _order, lines = order

    case = _create(order, agent, lines=[(lines[0], 2), (lines[1], 5)])

    case = reloaded(case)
    assert case.status == CaseStatus.REQUESTED
    assert case.kind == CaseKind.RETURN_REFUND
    assert case.shop_id == _order.shop_id
    assert case.version == 1
    assert case.is_open is True
    assert case.closed_at is None
    assert case.created_at == CREATED
    assert case.updated_at == CREATED
    assert case.created_by == agent
    assert list(case.lines.order_by("id").values_list("order_line_id", "quantity")) == [
        (lines[0].pk, 2),
        (lines[1].pk, 5),
    ]
    event = CaseEvent.objects.get(case=case)
    assert event.action == "create"
    assert event.actor == agent
    assert event.from_status == ""
    assert event.to_status == CaseStatus.REQUESTED
    assert event.before == {}
    assert event.after == {
        "kind": "return_refund",
        "reason": "quality",
        "lines": [[lines[0].pk, 2], [lines[1].pk, 5]],
    }
    assert event.created_at == CREATED


def test_create_accepts_all_that_was_bought(order, agent):
    _order, lines = order

    case = _create(order, agent, lines=[(lines[0], 10)])

    assert case.lines.get().quantity == 10


def test_create_refuses_more_than_was_bought(order, agent):
    _order, lines = order

    with pytest.raises(DomainError) as exc:
        _create(order, agent, lines=[(lines[0], 11)])

    assert exc.value.code == "quantity_too_large"
    assert exc.value.field == "lines"
    assert str(exc.value) == services.MSG_QTY_TOO_MANY % {"qty": 11, "bought": 10}
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0


@pytest.mark.parametrize("qty", [0, -1])
def test_create_refuses_a_quantity_below_one(order, agent, qty):
    _order, lines = order

    with pytest.raises(DomainError) as exc:
        _create(order, agent, lines=[(lines[0], qty)])

    assert exc.value.code == "quantity_not_positive"
    assert exc.value.field == "lines"
    assert Case.objects.count() == 0


def test_create_refuses_the_same_line_twice(order, agent):
    _order, lines = order

    with pytest.raises(DomainError) as exc:
        _create(order, agent, lines=[(lines[0], 1), (lines[0], 1)])

    assert exc.value.code == "line_repeated"
    assert Case.objects.count() == 0


def test_create_refuses_a_line_of_another_order(order, agent, shop):
    _other, other_lines = order_build(shop=shop)

    with pytest.raises(DomainError) as exc:
        _create(order, agent, lines=[(other_lines[0], 1)])

    assert exc.value.code == "line_not_in_order"
    assert exc.value.field == "lines"
    assert str(exc.value) == services.MSG_LINE_NOT_IN_ORDER
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0


def test_create_refuses_no_lines(order, agent):
    with pytest.raises(DomainError) as exc:
        _create(order, agent, lines=[])

    assert exc.value.code == "lines_required"
    assert Case.objects.count() == 0


# --- moving --------------------------------------------------------------------------------


def _move(case, actor, action, to_status, now=LATER, expected_version=None, **extra):
    with transaction.atomic():
        locked = services.case_lock(case_id=case.pk, expected_version=expected_version)
        return services.case_move(
            case=locked, actor=actor, action=action, to_status=to_status, now=now, **extra
        )


def test_a_move_writes_one_event_with_who_what_and_before_after(order, agent):
    case = _create(order, agent)

    moved = _move(
        case,
        agent,
        "agree",
        CaseStatus.AWAITING_RETURN,
        expected_version=1,
        changes={"due_at": sh(2026, 11, 21, 10, 0), "due_rule": "ship_back_7d"},
        detail={"return_address": "杭州"},
        comment="同意退货",
    )

    case = reloaded(case)
    assert case.status == moved.status == CaseStatus.AWAITING_RETURN
    assert case.version == moved.version == 2
    assert case.updated_at == LATER
    assert case.due_at == sh(2026, 11, 21, 10, 0)
    assert case.is_open is True
    events = list(CaseEvent.objects.filter(case=case).exclude(action="create"))
    assert len(events) == 1
    event = events[0]
    assert event.actor == agent
    assert event.action == "agree"
    assert event.from_status == CaseStatus.REQUESTED
    assert event.to_status == CaseStatus.AWAITING_RETURN
    assert event.comment == "同意退货"
    assert event.created_at == LATER
    assert event.before == {
        "due_at": None,
        "due_rule": "",
        "status": "requested",
        "is_open": True,
    }
    assert event.after == {
        "due_at": "2026-11-21T10:00:00+08:00",
        "due_rule": "ship_back_7d",
        "status": "awaiting_return",
        "is_open": True,
        "return_address": "杭州",
    }


def test_a_move_to_a_closing_status_closes_the_case(order, agent):
    case = _create(order, agent)

    _move(case, agent, "cancel", CaseStatus.CANCELLED)

    case = reloaded(case)
    assert case.status == CaseStatus.CANCELLED
    assert case.is_open is False
    assert case.closed_at == LATER
    event = CaseEvent.objects.get(case=case, action="cancel")
    assert event.before == {"status": "requested", "is_open": True, "closed_at": None}
    assert event.after == {
        "status": "cancelled",
        "is_open": False,
        "closed_at": "2026-11-14T18:00:00+00:00",
    }


def test_a_move_not_in_the_flow_is_refused_and_writes_nothing(order, agent, supervisor):
    case = _create(order, agent)
    before = written(case)

    with pytest.raises(TransitionNotAllowed) as exc:
        _move(case, supervisor, "receive", CaseStatus.RECEIVED)

    assert str(exc.value) == workflows.MSG_NOT_ALLOWED % {
        "status": "待处理",
        "action": "仓库收货验货",
    }
    assert written(case) == before


def test_a_stale_expected_version_is_refused_and_writes_nothing(order, agent):
    case = _create(order, agent)
    _move(case, agent, "agree", CaseStatus.AWAITING_RETURN)
    before = written(case)

    with pytest.raises(ConcurrentChange) as exc:
        _move(case, agent, "cancel", CaseStatus.CANCELLED, expected_version=1)

    assert str(exc.value) == services.MSG_CONCURRENT
    assert written(case) == before


def test_a_move_on_a_copy_someone_changed_since_is_refused(order, agent):
    case = _create(order, agent)
    stale = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
    before = written(case)

    with pytest.raises(ConcurrentChange):
        services.case_move(
            case=stale, actor=agent, action="cancel", to_status=CaseStatus.CANCELLED, now=LATER
        )

    assert written(case) == before


def test_a_move_checks_the_role_of_the_actor(order, agent, warehouse):
    case = _create(order, agent)
    before = written(case)

    with pytest.raises(PermissionDeniedError) as exc:
        _move(case, warehouse, "agree", CaseStatus.AWAITING_RETURN)

    assert str(exc.value) == services.MSG_ROLE % {"action": "同意"}
    assert written(case) == before


# --- roles through case_act ----------------------------------------------------------------


def test_a_warehouse_clerk_cannot_agree(shop, agent, warehouse):
    order, lines = order_build(shop=shop)
    case = case_open(
        order=order, lines=[(lines[0], 1)], kind="return_refund", reason="quality", actor=agent
    )
    before = written(case)

    with pytest.raises(PermissionDeniedError) as exc:
        act(case, "agree", warehouse, LATER)

    assert exc.value.code == "permission_denied"
    assert written(case) == before


def test_an_agent_cannot_receive_returned_goods(shop, agent):
    order, lines = order_build(shop=shop)
    case = case_open(
        order=order, lines=[(lines[0], 1)], kind="return_refund", reason="quality", actor=agent
    )
    act(case, "agree", agent, LATER)
    act(case, "buyer_ship", agent, LATER, carrier="yto", waybill_no="YT1")
    before = written(case)

    with pytest.raises(PermissionDeniedError):
        act(case, "receive", agent, LATER, intact=True)

    assert written(case) == before


# --- updating ------------------------------------------------------------------------------


def test_update_assigns_and_reprioritises_with_an_event(order, agent, agent2):
    case = _create(order, agent)

    services.case_update(
        case_id=case.pk,
        actor=agent,
        now=LATER,
        expected_version=1,
        assignee=agent2,
        priority=Priority.URGENT,
    )

    case = reloaded(case)
    assert case.assignee == agent2
    assert case.priority == Priority.URGENT
    assert case.version == 2
    assert case.updated_at == LATER
    assert case.status == CaseStatus.REQUESTED
    event = CaseEvent.objects.get(case=case, action="update")
    assert event.actor == agent
    assert event.from_status == event.to_status == ""
    assert event.before == {"assignee": None, "priority": Priority.NORMAL}
    assert event.after == {"assignee": agent2.pk, "priority": Priority.URGENT}


def test_update_with_nothing_to_change_writes_nothing(order, agent):
    case = _create(order, agent)
    before = written(case)

    services.case_update(case_id=case.pk, actor=agent, now=LATER)

    assert written(case) == before


def test_update_on_a_stale_version_is_refused(order, agent, agent2):
    case = _create(order, agent)
    services.case_update(case_id=case.pk, actor=agent, now=LATER, priority=Priority.HIGH)
    before = written(case)

    with pytest.raises(ConcurrentChange):
        services.case_update(
            case_id=case.pk, actor=agent, now=LATER, expected_version=1, assignee=agent2
        )

    assert written(case) == before


def test_a_warehouse_clerk_cannot_reassign_a_case(order, agent, warehouse):
    case = _create(order, agent)
    before = written(case)

    with pytest.raises(PermissionDeniedError):
        services.case_update(case_id=case.pk, actor=warehouse, now=LATER, assignee=warehouse)

    assert written(case) == before


# --- notes and photos ----------------------------------------------------------------------


def test_note_add_keeps_the_note_and_an_event(order, agent):
    case = _create(order, agent)

    note = services.note_add(case=case, author=agent, body="  买家说少了一只  ", now=LATER)

    assert CaseNote.objects.get() == note
    assert note.body == "买家说少了一只"
    assert note.created_at == LATER
    event = CaseEvent.objects.get(case=case, action="note")
    assert event.actor == agent
    assert event.comment == "买家说少了一只"


@pytest.mark.parametrize("body", ["", "   \n "])
def test_note_add_refuses_an_empty_note(order, agent, body):
    case = _create(order, agent)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        services.note_add(case=case, author=agent, body=body, now=LATER)

    assert exc.value.field == "body"
    assert str(exc.value) == services.MSG_NOTE_EMPTY
    assert CaseNote.objects.count() == 0
    assert written(case) == before


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("IMG_0001.PNG", PNG_1X1, "image/png", "png"),
        ("破损.jpeg", JPEG_2X2, "image/jpeg", "jpg"),
    ],
)
def test_attachment_add_keeps_a_real_image(
    order, agent, media, name, content, content_type, extension
):
    case = _create(order, agent)
    # The browser's claim is not what decides the type.
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    attachment = services.attachment_add(case=case, uploaded_by=agent, upload=upload, now=LATER)

    attachment = CaseAttachment.objects.get(pk=attachment.pk)
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.original_name == name
    assert attachment.file.name.startswith(f"cases/{case.pk}/")
    assert attachment.file.name.endswith(f".{extension}")
    assert (media / attachment.file.name).read_bytes() == content
    event = CaseEvent.objects.get(case=case, action="attach")
    assert event.after == {"attachment": attachment.pk, "name": name}


def test_attachment_add_refuses_a_text_file_named_jpg(order, agent, media):
    case = _create(order, agent)
    before = written(case)
    upload = SimpleUploadedFile("photo.jpg", b"just some text\n" * 4, content_type="image/jpeg")

    with pytest.raises(DomainError) as exc:
        services.attachment_add(case=case, uploaded_by=agent, upload=upload, now=LATER)

    assert exc.value.field == "file"
    assert exc.value.code == "file_type"
    assert CaseAttachment.objects.count() == 0
    assert written(case) == before
    assert not any(media.rglob("*.*"))


def test_attachment_add_refuses_an_image_over_the_size_limit(order, agent, media, settings):
    settings.ATTACHMENT_MAX_BYTES = len(PNG_1X1) - 1
    case = _create(order, agent)
    before = written(case)
    upload = SimpleUploadedFile("big.png", PNG_1X1, content_type="image/png")

    with pytest.raises(DomainError) as exc:
        services.attachment_add(case=case, uploaded_by=agent, upload=upload, now=LATER)

    assert exc.value.field == "file"
    assert exc.value.code == "file_too_large"
    assert CaseAttachment.objects.count() == 0
    assert written(case) == before


def test_attachment_add_accepts_an_image_of_exactly_the_limit(order, agent, media, settings):
    settings.ATTACHMENT_MAX_BYTES = len(PNG_1X1)
    case = _create(order, agent)
    upload = SimpleUploadedFile("ok.png", PNG_1X1, content_type="image/png")

    services.attachment_add(case=case, uploaded_by=agent, upload=upload, now=LATER)

    assert CaseAttachment.objects.get().size == len(PNG_1X1)
