"""The contract's other services: addresses parsed and regions normalised by the library,
contingency plans looked up, priority revoked (by the penalty job or a person) and restored by
an administrator, and the periodic job's task."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.core.errors import ConcurrentChange, InvalidInput, NotFound, PermissionDeniedError
from aftersales.logistics.models import ContingencyPlan, PreShipFlag
from aftersales.logistics.services import (
    ParsedAddress,
    contingency_plan_for,
    parse_address,
    priority_restore,
    priority_revoke,
)
from aftersales.logistics.services.address import normalise_region
from aftersales.logistics.tasks import preship_sweep
from tests.api import NOW
from tests.factories import ShopFactory, UserFactory
from tests.logistics.conftest import route, rule, unshipped

# --- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("浙江省杭州市西湖区文三路90号", ("浙江省", "杭州市", "西湖区", "文三路90号")),
        ("西藏日土县多玛乡", ("西藏自治区", "阿里地区", "日土县", "多玛乡")),
        ("新疆和田于田县", ("新疆维吾尔自治区", "和田地区", "于田县", "")),
        ("上海浦东新区张江路1号", ("上海市", "上海市", "浦东新区", "张江路1号")),
        ("内蒙古阿拉善盟额济纳旗", ("内蒙古自治区", "阿拉善盟", "额济纳旗", "")),
        # A county-level city under its province directly: it is the city.
        ("湖北省仙桃市干河街道", ("湖北省", "仙桃市", "", "干河街道")),
        ("  广东  深圳  南山区 科技园  ", ("广东省", "深圳市", "南山区", "科技园")),
        ("门口第三棵树下", ("", "", "", "门口第三棵树下")),
        ("", ("", "", "", "")),
    ],
)
def test_free_text_addresses_are_parsed_by_the_library(text, parsed):
    assert parse_address(text) == ParsedAddress(*parsed)


def test_a_region_keeps_only_the_levels_given_in_full_names():
    assert normalise_region("西藏").region == ("西藏自治区", "", "")
    assert normalise_region("新疆", "和田").region == ("新疆维吾尔自治区", "和田地区", "")
    assert normalise_region("北京", "北京市", "朝阳区").region == ("北京市", "北京市", "朝阳区")


def test_a_place_the_library_does_not_know_is_named():
    region = normalise_region("浙江省", "火星市")

    assert region.unknown == (("city", "火星市"),)


# --- contingency plans ------------------------------------------------------------------------


def test_the_plan_for_a_carrier_and_a_kind(zto, yto):
    plan = ContingencyPlan.objects.create(
        carrier=zto, problem_kind="out_of_area", action="forward", note="转邮政", updated_at=NOW
    )

    assert contingency_plan_for(zto.pk, "out_of_area") == plan
    assert contingency_plan_for(zto.pk, "stranded") is None
    assert contingency_plan_for(yto.pk, "out_of_area") is None


# --- priority revoked and restored --------------------------------------------------------------


def test_the_penalty_job_revokes_without_an_actor(shop, zto):
    revocation = priority_revoke(
        carrier_id=zto.pk,
        shop_id=None,
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(days=30),
        reason="11 月超区率 12%",
        source="penalty:7",
    )

    assert (revocation.shop_id, revocation.created_by, revocation.source) == (
        None,
        None,
        "penalty:7",
    )


def test_a_person_revokes_with_carrier_manage_in_the_shop(shop, zto, supervisor, agent, outsider):
    kwargs = {
        "carrier_id": zto.pk,
        "starts_at": NOW,
        "ends_at": NOW + dt.timedelta(days=7),
        "reason": "网点频繁滞留",
    }

    made = priority_revoke(shop_id=shop.pk, actor=supervisor, **kwargs)
    with pytest.raises(PermissionDeniedError):
        priority_revoke(shop_id=shop.pk, actor=agent, **kwargs)
    with pytest.raises(NotFound):
        priority_revoke(shop_id=shop.pk, actor=outsider, **kwargs)

    assert made.created_by == supervisor


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"carrier_id": 999}, "carrier_id"),
        ({"shop_id": 999}, "shop_id"),
        ({"ends_at": NOW}, "ends_at"),
        ({"reason": "  "}, "reason"),
    ],
)
def test_a_revocation_with_bad_input_is_refused(zto, changes, field):
    kwargs = {
        "carrier_id": zto.pk,
        "shop_id": None,
        "starts_at": NOW,
        "ends_at": NOW + dt.timedelta(days=1),
        "reason": "超区",
        **changes,
    }

    with pytest.raises(InvalidInput) as refused:
        priority_revoke(**kwargs)

    assert refused.value.field == field


def test_an_administrator_restores_once(shop, zto, supervisor):
    admin = UserFactory(roles=["administrator"], shops=[shop])
    revocation = priority_revoke(
        carrier_id=zto.pk,
        shop_id=shop.pk,
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(days=7),
        reason="超区",
    )

    with pytest.raises(PermissionDeniedError):
        priority_restore(revocation_id=revocation.pk, actor=supervisor, now=NOW)
    restored = priority_restore(revocation_id=revocation.pk, actor=admin, now=NOW)
    with pytest.raises(ConcurrentChange) as twice:
        priority_restore(revocation_id=revocation.pk, actor=admin, now=NOW)

    assert (restored.reversed_at, restored.reversed_by) == (NOW, admin)
    assert twice.value.code == "already_reversed"


def test_a_revocation_of_another_shop_is_not_found_by_its_administrator(zto):
    other = ShopFactory()
    admin = UserFactory(roles=["administrator"], shops=[ShopFactory()])
    revocation = priority_revoke(
        carrier_id=zto.pk,
        shop_id=other.pk,
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(days=7),
        reason="超区",
    )

    with pytest.raises(NotFound):
        priority_restore(revocation_id=revocation.pk, actor=admin, now=NOW)


# --- the periodic job ---------------------------------------------------------------------------


def test_the_periodic_task_runs_the_sweep(shop, zto):
    route(shop, [zto])
    rule(zto, "西藏自治区")
    order = unshipped(shop, province="西藏", city="拉萨市")

    counts = preship_sweep.call()

    assert counts == {"parsed": 1, "removed": 0, "raised": 1}
    assert PreShipFlag.objects.get().order == order
