"""The workbench: the case page shows the parcel, the event that raised it and the carrier's
plan, and offers the outcomes with what each will do; a problem parcel is reported from the
order's new-case form; the menu opens the inbox on problem parcels."""

import pytest
from django.test import Client
from django.urls import reverse

from aftersales.cases.models import Case
from aftersales.cases.registry import registry
from tests.factories import UserFactory
from tests.parcels.helpers import other_carrier, parcel_order, plan_for, problem_case, tracking_says

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def case(shop):
    _order, _lines, shipment = parcel_order(shop)
    plan_for(shipment.carrier, note="超区件原件退回，退回运费由快递承担。")
    tracking_says(shipment, context="【改则县】该地址超出派送范围")
    return problem_case(shipment)


def test_the_case_page_shows_the_parcel_the_event_and_the_plan(case, agent):
    other_carrier()
    response = _client(agent).get(reverse("cases:detail", args=[case.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    shipment = case.parcel_problem.shipment
    assert 'id="problem-kind">超区<' in page
    assert shipment.waybill_no in page
    assert "该地址超出派送范围" in page
    assert "退回寄件人" in page
    assert "超区件原件退回，退回运费由快递承担。" in page
    # The outcomes, each saying what it will do before it runs.
    for action in (
        "agree_new_address",
        "agree_pickup",
        "reship_other_carrier",
        "cancel_and_refund",
    ):
        assert f'id="action-{action}"' in page
    assert "将立即扣减库存并登记补寄运单" in page
    assert "退款发起后不能撤回" in page
    # Another carrier only: the parcel's own is not offered for the reship.
    select = page.split('name="reship_other_carrier-carrier"', 1)[1].split("</select>", 1)[0]
    assert f'value="{shipment.carrier_id}"' not in select
    assert "顺丰速运" in select


def test_without_a_plan_the_page_says_so(shop, agent):
    _order, _lines, shipment = parcel_order(shop)
    tracking_says(shipment, "stranded")
    case = problem_case(shipment)
    page = _client(agent).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="plan-none"' in page


def test_recording_a_reship_from_the_page(case, agent):
    sf = other_carrier()
    response = _client(agent).post(
        reverse("cases:act", args=[case.pk, "reship_other_carrier"]),
        {
            "reship_other_carrier-version": case.version,
            "reship_other_carrier-carrier": sf.pk,
            "reship_other_carrier-waybill_no": "SF5550001",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.status == "parcel_reshipped"
    page = _client(agent).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="outcome-reship">顺丰速运 SF5550001<' in page


def test_a_refused_action_says_why_on_the_form(case, agent):
    response = _client(agent).post(
        reverse("cases:act", args=[case.pk, "reship_other_carrier"]),
        {
            "reship_other_carrier-version": case.version,
            "reship_other_carrier-carrier": case.parcel_problem.shipment.carrier_id,
            "reship_other_carrier-waybill_no": "YT1",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "reported"


def _area(kind="problem_parcel") -> int:
    return next(i for i, o in enumerate(o for o in registry.openers() if o.form) if kind in o.kinds)


def test_reporting_a_problem_parcel_from_the_order(shop, agent):
    order, _lines, shipment = parcel_order(shop)
    url = reverse("cases:new", args=[order.pk]) + f"?area={_area()}"
    page = _client(agent).get(url).content.decode()
    assert shipment.waybill_no in page
    response = _client(agent).post(
        url,
        {
            "kind": "problem_parcel",
            "shipment_id": shipment.pk,
            "problem_kind": "blind_area",
            "note": "买家说当地没有圆通网点",
            "priority": "3",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(kind="problem_parcel")
    assert case.assignee == agent
    assert case.parcel_problem.problem_kind == "blind_area"
    assert case.parcel_problem.note == "买家说当地没有圆通网点"


def test_the_menu_opens_the_inbox_on_problem_parcels(case, agent):
    page = _client(agent).get(reverse("cases:inbox")).content.decode()
    assert 'id="nav-parcels"' in page
    listed = _client(agent).get(reverse("cases:inbox") + "?kind=problem_parcel&stage=all")
    assert case.number in listed.content.decode()


def test_the_menu_is_not_shown_to_a_packer(shop):
    packer = UserFactory(username="packer", roles=["packer"], shops=[shop])
    page = _client(packer).get(reverse("cases:inbox")).content.decode()
    assert 'id="nav-parcels"' not in page


def test_the_inbox_shows_the_refund_agreed(case, agent):
    from tests.parcels.helpers import act

    act(case, "cancel_and_refund", agent, reason="取消", refund_freight=False)
    page = _client(agent).get(reverse("cases:inbox") + "?kind=problem_parcel&stage=all")
    row = page.content.decode().split(case.number, 1)[1].split("</tr>", 1)[0]
    assert "99.00" in row
