"""The order page's sign-in: what it shows, who gets the form, the two steps of recording it
(the change said back for confirmation, then recorded), and refusals shown in place."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.orders.models import Shipment, ShipmentSignInChange
from tests.factories import ShipmentFactory, UserFactory

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen(request, time_machine):
    # The browser and the live server keep the real clock: a session cookie set in a frozen
    # past would already have expired for the browser.
    if request.node.get_closest_marker("browser") is None:
        time_machine.move_to(NOW, tick=False)


@pytest.fixture
def shipment(order):
    return order.shipments.get()


def _url(order, shipment):
    return reverse("orders:sign_in", args=[order.pk, shipment.pk])


def _form(shipment, **values):
    """The sign-in form of ``shipment`` as the page posts it."""
    data = {"precision": "exact", "signed_at": "", "signed_on": "", "source": "person", "note": ""}
    data.update(values)
    out = {f"sign-{shipment.pk}-{k}": v for k, v in data.items() if k not in ("confirmed", "edit")}
    out.update({k: v for k, v in values.items() if k in ("confirmed", "edit")})
    return out


def _page(client, order) -> str:
    return client.get(reverse("orders:detail", args=[order.pk])).content.decode()


# --- what the page shows --------------------------------------------------------------------------


def test_the_page_shows_the_sign_in_its_precision_and_source(client, agent, order, shipment):
    client.force_login(agent)

    page = _page(client, order)

    panel = page[page.index(f'id="sign-in-{shipment.pk}"') :]
    assert '<dd class="col-sm-4" data-sign-in="value">2026-11-18 14:00' in panel
    assert '<dd class="col-sm-4" data-sign-in="precision">精确到时间</dd>' in panel
    assert '<dd class="col-sm-4" data-sign-in="source">快递轨迹</dd>' in panel
    assert '<dd class="col-sm-4" data-sign-in="recorded-by">—</dd>' in panel


def test_the_buyers_confirmation_is_shown_apart_from_the_sign_in(client, agent, order):
    order.success_at = dt.datetime(2026, 11, 19, 12, 0, tzinfo=dt.UTC)
    order.save(update_fields=["success_at"])
    client.force_login(agent)

    page = _page(client, order)

    confirmed = page[page.index('id="buyer-confirmed"') :]
    confirmed = confirmed[: confirmed.index("</dd>")]
    assert "2026-11-19 20:00" in confirmed
    assert "买家确认收货，不是签收" in confirmed
    assert '<dt class="col-sm-2">买家确认收货</dt>' in page


def test_a_date_only_sign_in_says_so(client, agent, order, shipment):
    Shipment.objects.filter(pk=shipment.pk).update(
        sign_precision="date", signed_at=None, signed_on=dt.date(2026, 11, 18)
    )
    client.force_login(agent)

    page = _page(client, order)

    assert '2026-11-18 <small class="text-muted">（仅知日期）</small>' in page
    assert '<dd class="col-sm-4" data-sign-in="precision">仅知日期</dd>' in page


def test_a_parcel_coming_back_has_no_sign_in_form(client, agent, order):
    back = ShipmentFactory(order=order, direction="return", waybill_no="SF-BACK")
    client.force_login(agent)

    page = _page(client, order)

    assert f'id="sign-in-{back.pk}"' not in page


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("agent", True),
        ("warehouse", True),
        ("supervisor", True),
        ("packer", False),
        ("review_specialist", False),
        ("dispute_specialist", False),
        ("administrator", False),
    ],
)
def test_the_form_shows_for_the_roles_that_may_record(client, shop, order, shipment, role, shown):
    client.force_login(UserFactory(username=f"as-{role}", roles=[role], shops=[shop]))

    page = _page(client, order)

    assert f'id="sign-in-{shipment.pk}"' in page  # everyone sees the sign-in
    assert (f'id="sign-in-form-{shipment.pk}"' in page) is shown


def test_the_form_starts_from_what_is_recorded(client, agent, order, shipment):
    client.force_login(agent)

    page = _page(client, order)

    assert f'name="sign-{shipment.pk}-signed_at" value="2026-11-18T14:00"' in page
    assert '<option value="exact" selected>精确到时间</option>' in page
    assert '<option value="tracking" selected>快递轨迹</option>' in page


# --- recording it ---------------------------------------------------------------------------------


def test_a_post_is_said_back_for_confirmation_and_writes_nothing(client, agent, order, shipment):
    client.force_login(agent)

    response = client.post(
        _url(order, shipment),
        _form(shipment, signed_at="2026-11-12T10:00", note="买家来电：12日已签收"),
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert (
        '<div class="alert alert-warning py-2 small mb-2 sign-in-confirm">'
        "将把签收时间改为 2026-11-12 10:00，来源为“人工登记”，七天无理由期限随之改变。</div>"
    ) in body
    assert (
        f'<input type="hidden" name="sign-{shipment.pk}-signed_at" value="2026-11-12T10:00">'
        in body
    )
    assert 'name="confirmed" value="1"' in body
    assert ShipmentSignInChange.objects.count() == 0
    assert Shipment.objects.get(pk=shipment.pk).signed_at == dt.datetime(
        2026, 11, 18, 6, tzinfo=dt.UTC
    )


def test_the_confirmed_post_records_it_and_the_page_shows_the_log(client, agent, order, shipment):
    client.force_login(agent)

    response = client.post(
        _url(order, shipment),
        _form(shipment, signed_at="2026-11-12T10:00", note="买家来电：12日已签收", confirmed="1"),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("orders:detail", args=[order.pk])
    shipment.refresh_from_db()
    assert (shipment.sign_precision, shipment.signed_at, shipment.sign_source) == (
        "exact",
        dt.datetime(2026, 11, 12, 2, 0, tzinfo=dt.UTC),
        "person",
    )
    assert (shipment.sign_recorded_by, shipment.sign_recorded_at) == (agent, NOW)
    change = ShipmentSignInChange.objects.get()
    assert (change.actor, change.note) == (agent, "买家来电：12日已签收")

    page = _page(client, order)
    assert "已登记签收：2026-11-12 10:00。" in page
    assert '<dd class="col-sm-4" data-sign-in="recorded-by">agent · 2026-11-20 10:00</dd>' in page
    log = page[page.index('class="table table-sm small mb-0 sign-in-log"') :]
    assert (
        "<tr><td>2026-11-20 10:00</td><td>agent</td>"
        '<td>2026-11-18 14:00 <small class="text-muted">快递轨迹</small></td>'
        '<td>2026-11-12 10:00 <small class="text-muted">人工登记</small></td>'
        "<td>买家来电：12日已签收</td></tr>"
    ) in log


def test_a_date_only_sign_in_is_confirmed_as_a_date(client, warehouse, order, shipment):
    client.force_login(warehouse)

    response = client.post(
        _url(order, shipment),
        # The time input is ignored when only the date is known.
        _form(
            shipment,
            precision="date",
            signed_at="2026-11-12T10:00",
            signed_on="2026-11-17",
            source="tracking",
            note="轨迹只显示日期",
        ),
        HTTP_HX_REQUEST="true",
    )

    assert (
        "将把签收时间改为 2026-11-17（仅知日期），来源为“快递轨迹”，七天无理由期限随之改变。"
        in (response.content.decode())
    )


def test_clearing_it_is_confirmed_too(client, supervisor, order, shipment):
    client.force_login(supervisor)

    response = client.post(
        _url(order, shipment),
        _form(shipment, precision="none", note="误报签收"),
        HTTP_HX_REQUEST="true",
    )

    assert "将把签收时间改为“未签收”，七天无理由期限随之改变。" in response.content.decode()


def test_going_back_shows_the_form_with_the_values(client, agent, order, shipment):
    client.force_login(agent)

    response = client.post(
        _url(order, shipment),
        _form(shipment, signed_at="2026-11-12T10:00", note="买家来电", edit="1"),
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    assert "sign-in-confirm" not in body
    assert f'name="sign-{shipment.pk}-signed_at" value="2026-11-12T10:00"' in body
    assert ShipmentSignInChange.objects.count() == 0


def test_the_same_sign_in_again_is_said_to_change_nothing(client, agent, order, shipment):
    client.force_login(agent)

    response = client.post(
        _url(order, shipment),
        _form(shipment, signed_at="2026-11-18T14:00", source="tracking"),
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    assert "签收时间没有变化。" in body
    assert "sign-in-confirm" not in body
    assert ShipmentSignInChange.objects.count() == 0


# --- refusals, in place ---------------------------------------------------------------------------


def test_a_change_without_a_reason_is_refused_in_place(client, agent, order, shipment):
    client.force_login(agent)

    response = client.post(
        _url(order, shipment), _form(shipment, signed_at="2026-11-12T10:00"), HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert (
        '<div class="field-error" data-field="note">修改已登记的签收时请填写修改原因。</div>'
        in body
    )
    assert "sign-in-confirm" not in body
    assert ShipmentSignInChange.objects.count() == 0


def test_a_time_in_the_future_is_refused_in_place(client, agent, order, shipment):
    client.force_login(agent)

    response = client.post(
        _url(order, shipment),
        _form(shipment, signed_at="2026-11-21T10:00", note="x", confirmed="1"),
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    assert '<div class="field-error" data-field="signed_at">签收时间不能晚于现在。</div>' in body
    assert ShipmentSignInChange.objects.count() == 0


def test_a_missing_date_is_refused_in_place(client, agent, order, shipment):
    client.force_login(agent)

    response = client.post(
        _url(order, shipment), _form(shipment, precision="date", note="x"), HTTP_HX_REQUEST="true"
    )

    assert '<div class="field-error" data-field="signed_on">仅知日期时请填写签收日期。</div>' in (
        response.content.decode()
    )


def test_without_htmx_a_refusal_redraws_the_page_with_it(client, agent, order, shipment):
    client.force_login(agent)

    response = client.post(
        _url(order, shipment), _form(shipment, signed_at="2026-11-12T10:00", confirmed="1")
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "<html" in body
    assert 'data-field="note"' in body
    assert ShipmentSignInChange.objects.count() == 0


def test_without_htmx_the_confirmed_post_goes_back_to_the_order(client, agent, order, shipment):
    client.force_login(agent)

    response = client.post(
        _url(order, shipment),
        _form(shipment, signed_at="2026-11-12T10:00", note="买家来电", confirmed="1"),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert ShipmentSignInChange.objects.count() == 1


def test_a_role_without_the_permission_is_refused_in_place(client, shop, order, shipment):
    client.force_login(UserFactory(username="packer", roles=["packer"], shops=[shop]))

    response = client.post(
        _url(order, shipment),
        _form(shipment, signed_at="2026-11-12T10:00", note="x", confirmed="1"),
        HTTP_HX_REQUEST="true",
    )

    assert "您的角色不能登记签收。" in response.content.decode()
    assert ShipmentSignInChange.objects.count() == 0
    assert Shipment.objects.get(pk=shipment.pk).sign_source == "tracking"


def test_an_outsider_finds_no_such_parcel(client, outsider, order, shipment):
    client.force_login(outsider)

    response = client.post(
        _url(order, shipment),
        _form(shipment, signed_at="2026-11-12T10:00", note="x", confirmed="1"),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 404
    assert ShipmentSignInChange.objects.count() == 0


# --- in a real browser ----------------------------------------------------------------------------


@pytest.mark.browser
def test_an_agent_corrects_the_sign_in_in_the_browser(
    page: Page, login, screenshot, agent, signed_order
):
    shipment = signed_order.shipments.get()
    day = (timezone.now() - dt.timedelta(days=3)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    login(agent)
    page.goto(f"/orders/{signed_order.pk}/")
    panel = page.locator(f"#sign-in-{shipment.pk}")
    form = page.locator(f"#sign-in-form-{shipment.pk}")
    expect(panel.locator('[data-sign-in="source"]')).to_have_text("快递轨迹")
    expect(form.get_by_label("签收日期")).to_be_hidden()

    # Only the date is known: the date input takes the time input's place.
    form.get_by_label("签收精度").select_option(label="仅知日期")
    expect(form.get_by_label("签收日期")).to_be_visible()
    expect(form.get_by_label("签收时间")).to_be_hidden()
    form.get_by_label("签收日期").fill(f"{day:%Y-%m-%d}")
    form.get_by_label("来源").select_option(label="人工登记")
    form.get_by_role("button", name="登记签收").click()
    # A change of a recorded sign-in needs a reason, said in place.
    expect(form.locator('[data-field="note"]')).to_have_text("修改已登记的签收时请填写修改原因。")

    form.get_by_label("修改原因（修改已登记的签收时必填）").fill("买家来电：三天前已由驿站代收")
    form.get_by_role("button", name="登记签收").click()
    expect(form.locator(".sign-in-confirm")).to_have_text(
        f"将把签收时间改为 {day:%Y-%m-%d}（仅知日期），来源为“人工登记”，七天无理由期限随之改变。"
    )
    screenshot("order-sign-in-confirm")
    form.get_by_role("button", name="确认登记").click()

    expect(page.get_by_role("alert")).to_have_text(f"已登记签收：{day:%Y-%m-%d}（仅知日期）。")
    expect(panel.locator('[data-sign-in="precision"]')).to_have_text("仅知日期")
    expect(panel.locator('[data-sign-in="source"]')).to_have_text("人工登记")
    expect(panel.locator(".sign-in-log tbody tr")).to_have_count(1)
    expect(panel.locator(".sign-in-log tbody tr td").nth(4)).to_have_text(
        "买家来电：三天前已由驿站代收"
    )
    screenshot("order-sign-in-recorded")
