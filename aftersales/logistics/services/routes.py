"""The shop's routing: per region, the carriers in the order to try them (ROUTING_MANAGE, in
the route's shop). A route with no province is the shop's default for every region."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Shop, User
from aftersales.accounts.permissions import MSG_NOT_FOUND, Perm, authorize
from aftersales.core.errors import InvalidInput, NotFound
from aftersales.core.models import Carrier
from aftersales.logistics.models import PriorityRevocation, Route, RouteCarrier
from aftersales.logistics.services.coverage import region_checked

MSG_CARRIERS_REQUIRED = _("请至少选择一家快递公司。")
MSG_CARRIERS_REPEATED = _("同一家快递公司只能出现一次。")
MSG_CARRIERS_TOO_MANY = _("最多 %(max)s 家快递公司。")
MSG_ROUTE_DUPLICATE = _("该店铺在该地区已有路由。")
MAX_CARRIERS = 10


def routes_for(actor: User) -> QuerySet[Route]:
    """The routes of the actor's shops, each with its carriers in order."""
    authorize(actor, Perm.ROUTING_MANAGE)
    return (
        Route.objects.filter(shop_id__in=actor.shop_ids())
        .select_related("shop", "updated_by")
        .prefetch_related(
            Prefetch("carriers", queryset=RouteCarrier.objects.select_related("carrier"))
        )
        .order_by("shop__name", "province", "city", "district")
    )


def route_get(actor: User, route_id: int) -> Route:
    route = routes_for(actor).filter(pk=route_id).first()
    if route is None:
        raise NotFound(MSG_NOT_FOUND)
    return route


def _carriers(carrier_ids: Sequence[Any] | None) -> list[Carrier]:
    ids = [int(c) for c in (carrier_ids or []) if str(c).strip()]
    if not ids:
        raise InvalidInput(MSG_CARRIERS_REQUIRED, field="carrier_ids")
    if len(set(ids)) != len(ids):
        raise InvalidInput(MSG_CARRIERS_REPEATED, field="carrier_ids")
    if len(ids) > MAX_CARRIERS:
        raise InvalidInput(MSG_CARRIERS_TOO_MANY % {"max": MAX_CARRIERS}, field="carrier_ids")
    found = Carrier.objects.in_bulk(ids)
    if len(found) != len(ids):
        raise InvalidInput(_("快递公司不存在。"), field="carrier_ids")
    return [found[i] for i in ids]


def _write_carriers(route: Route, carriers: list[Carrier]) -> None:
    RouteCarrier.objects.filter(route=route).delete()
    RouteCarrier.objects.bulk_create(
        RouteCarrier(route=route, position=n, carrier=c) for n, c in enumerate(carriers, 1)
    )


def route_create(
    *,
    actor: User,
    now: dt.datetime,
    shop_id: int,
    province: str = "",
    city: str = "",
    district: str = "",
    carrier_ids: Sequence[int],
) -> Route:
    authorize(actor, Perm.ROUTING_MANAGE, shop_id=shop_id)
    if not Shop.objects.filter(pk=shop_id).exists():
        raise NotFound(MSG_NOT_FOUND)
    region = region_checked(province, city, district, province_required=False)
    carriers = _carriers(carrier_ids)
    try:
        with transaction.atomic():
            route = Route.objects.create(
                shop_id=shop_id,
                province=region.province,
                city=region.city,
                district=region.district,
                updated_at=now,
                updated_by=actor,
            )
            _write_carriers(route, carriers)
    except IntegrityError:
        raise InvalidInput(MSG_ROUTE_DUPLICATE, field="province") from None
    return route_get(actor, route.pk)


def route_update(
    *,
    actor: User,
    route_id: int,
    now: dt.datetime,
    province: str | None = None,
    city: str | None = None,
    district: str | None = None,
    carrier_ids: Sequence[int] | None = None,
) -> Route:
    """Change the region (what is given) and/or the carriers (the whole list, in order)."""
    authorize(actor, Perm.ROUTING_MANAGE)
    with transaction.atomic():
        route = (
            Route.objects.select_for_update()
            .filter(pk=route_id, shop_id__in=actor.shop_ids())
            .first()
        )
        if route is None:
            raise NotFound(MSG_NOT_FOUND)
        authorize(actor, Perm.ROUTING_MANAGE, shop_id=route.shop_id)
        region = region_checked(
            route.province if province is None else province,
            route.city if city is None else city,
            route.district if district is None else district,
            province_required=False,
        )
        carriers = _carriers(carrier_ids) if carrier_ids is not None else None
        route.province, route.city, route.district = (
            region.province,
            region.city,
            region.district,
        )
        route.updated_at = now
        route.updated_by = actor
        try:
            with transaction.atomic():
                route.save()
                if carriers is not None:
                    _write_carriers(route, carriers)
        except IntegrityError:
            raise InvalidInput(MSG_ROUTE_DUPLICATE, field="province") from None
    return route_get(actor, route_id)


def route_delete(*, actor: User, route_id: int) -> None:
    authorize(actor, Perm.ROUTING_MANAGE)
    route = Route.objects.filter(pk=route_id, shop_id__in=actor.shop_ids()).first()
    if route is None:
        raise NotFound(MSG_NOT_FOUND)
    authorize(actor, Perm.ROUTING_MANAGE, shop_id=route.shop_id)
    route.delete()


def revocations_in_force(actor: User, *, now: dt.datetime) -> list[PriorityRevocation]:
    """The priority revocations routing applies now to the actor's shops (theirs and those
    for every shop), for the routes page to say why a carrier is passed over."""
    authorize(actor, Perm.ROUTING_MANAGE)
    return list(
        PriorityRevocation.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .filter(Q(reversed_at__isnull=True) | Q(reversed_at__gt=now))
        .filter(Q(shop__isnull=True) | Q(shop_id__in=actor.shop_ids()))
        .select_related("carrier", "shop")
        .order_by("ends_at")[:50]
    )
