"""The demo's orders, and the random draws everything in the demo is made of.

``Draws`` holds the one seeded ``random.Random``. Every method draws the same number of values
whatever the clock says, so two runs differ in their times only, never in their content.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from aftersales.accounts.models import Shop
from aftersales.core.models import Carrier
from aftersales.core.money import ZERO, to_money
from aftersales.demo import catalog
from aftersales.demo.catalog import OTHER, ProductSpec
from aftersales.demo.stories import Story
from aftersales.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentDirection,
    SignPrecision,
    SignSource,
)
from aftersales.returns.kinds import CaseKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
# When people order: a weight per hour of the day, Asia/Shanghai; evenings are busiest.
ORDER_HOURS = (2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 6, 6, 6, 6, 7, 9, 10, 11, 10, 6)
OUTBOUND_CARRIERS = {
    catalog.FASHION: {"zto": 40, "yto": 20, "yd": 15, "jt": 10, "sto": 10, "sf": 5},
    catalog.HOME: {"yd": 35, "zto": 25, "sto": 15, "jt": 10, "yto": 10, "sf": 5},
    OTHER: {"yto": 60, "zto": 40},
}
RETURN_CARRIERS = {"zto": 25, "yto": 20, "yd": 20, "sto": 10, "jt": 15, "sf": 10}
WAYBILL_FORMATS = {
    "sf": ("SF", 13),
    "zto": ("75", 13),
    "yto": ("YT", 13),
    "sto": ("77", 13),
    "yd": ("43", 13),
    "jt": ("JT", 13),
    "post": ("98", 11),
}


def hours(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=round(value * 3600))


class Draws:
    def __init__(self, *, rng: random.Random, now: dt.datetime):
        self.rng = rng
        self.now = now
        self.waybills: set[str] = set()
        self.order_nos: set[str] = set()

    def weighted(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def between(self, low: float, high: float) -> dt.timedelta:
        return hours(self.rng.uniform(low, high))

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def waybill(self, code: str) -> str:
        prefix, n = WAYBILL_FORMATS[code]
        while True:
            number = prefix + self.digits(n)
            if number not in self.waybills:
                self.waybills.add(number)
                return number

    def order_no(self) -> str:
        while True:
            number = self.rng.choice("234") + self.digits(18)
            if number not in self.order_nos:
                self.order_nos.add(number)
                return number

    def staff_time(self, when: dt.datetime, *, latest: dt.datetime | None = None) -> dt.datetime:
        """Move a staff action out of the small hours: the team works late, but not at four
        in the morning. To the next morning when that is still before ``latest``, else back
        to the evening before (which keeps it before whatever follows)."""
        evening_jitter, morning_jitter = self.rng.uniform(0, 150), self.rng.uniform(0, 60)
        local = when.astimezone(SHANGHAI)
        if local.time() >= dt.time(8, 30):
            return when
        morning = dt.datetime.combine(local.date(), dt.time(8, 30), tzinfo=SHANGHAI)
        morning += dt.timedelta(minutes=morning_jitter)
        if latest is not None and morning <= latest:
            return morning.astimezone(dt.UTC)
        evening = dt.datetime.combine(
            local.date() - dt.timedelta(days=1), dt.time(21, 0), tzinfo=SHANGHAI
        )
        return (evening + dt.timedelta(minutes=evening_jitter)).astimezone(dt.UTC)

    def daytime(self, when: dt.datetime, *, forward: bool) -> dt.datetime:
        """Parcels leave the warehouse and are signed for between 9:00 and 21:00: move
        ``when`` into the next such hours (``forward``) or the last ones."""
        hour = self.rng.randint(9, 11) if forward else self.rng.randint(17, 20)
        minute = self.rng.randint(0, 59)
        local = when.astimezone(SHANGHAI)
        if 9 <= local.hour < 21:
            return when
        day = local.date()
        if forward and local.hour >= 21:
            day += dt.timedelta(days=1)
        elif not forward and local.hour < 9:
            day -= dt.timedelta(days=1)
        moved = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)
        return moved.astimezone(dt.UTC)

    def confirm_delay(self) -> dt.timedelta:
        """Most buyers confirm receipt within two days; the rest let the platform do it."""
        if self.rng.random() < 0.6:
            return self.between(2, 48)
        return self.between(48, 216)


@dataclass
class OrderDraft:
    order: Order
    lines: list[OrderLine]
    shipment: Shipment | None


# (spec, quantity, unit price, amount paid, properties)
LineDraft = tuple[ProductSpec, int, Decimal, Decimal, str]


class OrderMaker:
    """Unsaved orders with their lines and outbound parcel, for ``bulk_create``."""

    def __init__(
        self,
        draws: Draws,
        *,
        shops: dict[str, Shop],
        products: dict[str, dict[str, ProductSpec]],
        carriers: dict[str, Carrier],
    ):
        self.draws = draws
        self.rng = draws.rng
        self.now = draws.now
        self.shops = shops
        self.products = products
        self.carriers = carriers

    def background(self, shop: str) -> OrderDraft:
        """An order of the last 30 days, as far along as the time since then allows."""
        rng, draws, now = self.rng, self.draws, self.now
        buyer = self.buyer()
        local_now = now.astimezone(SHANGHAI)
        day = local_now.date() - dt.timedelta(days=rng.randint(0, 29))
        hour = rng.choices(range(24), weights=ORDER_HOURS)[0]
        created = dt.datetime.combine(
            day, dt.time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=SHANGHAI
        ).astimezone(dt.UTC)
        # Paid up to 25 minutes after it was placed: an order placed in the last half hour
        # would be paid in the future, so it is moved to the day before.
        if created > now - hours(0.5):
            created -= dt.timedelta(days=1)
        remote = buyer["province"] in catalog.REMOTE_PROVINCES
        paid = created + dt.timedelta(minutes=rng.uniform(0.5, 25))
        shipped = draws.daytime(paid + draws.between(3, 40), forward=True)
        transit = draws.between(18, 80) + (hours(48) if remote else dt.timedelta())
        signed = draws.daytime(shipped + transit, forward=True)
        success = signed + draws.confirm_delay()
        closed_roll, unpaid_roll = rng.random(), rng.random()
        lines = self.lines(shop, None, None, extra=True)
        if closed_roll < 0.05:
            # Closed before it shipped: never paid, or paid and refunded on the platform.
            return self.draft(
                shop=shop, buyer=buyer, created=created,
                paid=None if unpaid_roll < 0.6 else paid,
                shipped=None, signed=None, success=None, status=OrderStatus.CLOSED,
                lines=lines,
            )  # fmt: skip
        if shipped > now:
            shipped = signed = success = None
            status = OrderStatus.WAIT_SELLER_SEND
        elif signed > now:
            signed = success = None
            status = OrderStatus.WAIT_BUYER_CONFIRM
        elif success > now:
            success = None
            status = OrderStatus.WAIT_BUYER_CONFIRM
        else:
            status = OrderStatus.SUCCESS
        return self.draft(
            shop=shop, buyer=buyer, created=created, paid=paid, shipped=shipped,
            signed=signed, success=success, status=status, lines=lines,
        )  # fmt: skip

    def for_story(self, story: Story, opened: dt.datetime) -> tuple[OrderDraft, dt.datetime | None]:
        """An order that fits the story — signed, refused at the door, on its way or not yet
        shipped the right while before the request ``opened`` — and when it was refused."""
        draws = self.draws
        buyer = self.buyer()
        first = self.products[story.shop][self.rng.choice(story.skus)]
        lines = self.lines(story.shop, first, story.line_qty, extra=story.extra_lines)
        signed = success = refused = None
        if story.order == "unshipped":
            paid = opened - draws.between(0.5, 20)
            shipped = None
            # A full refund before shipping closes the order on the platform.
            refunded = bool(story.steps) and story.steps[-1].action == "settle_ok"
            status = OrderStatus.CLOSED if refunded else OrderStatus.WAIT_SELLER_SEND
        elif story.order == "unsigned":
            if story.kind == CaseKind.REFUSAL:
                # Refused at the door; reported within 24 hours or (refused_late) not.
                late = story.refused_late
                gap = draws.between(*((26, 40) if late else (2, 10)))
                refused = draws.daytime(opened - gap, forward=False)
                if not late and opened - refused > hours(23):
                    refused = opened - draws.between(1, 3)
                shipped = draws.daytime(refused - draws.between(20, 60), forward=False)
            else:
                shipped = draws.daytime(opened - draws.between(30, 90), forward=False)
            paid = shipped - draws.between(3, 30)
            status = OrderStatus.WAIT_BUYER_CONFIRM
        else:
            signed = draws.daytime(opened - draws.between(*story.sign_gap), forward=False)
            shipped = draws.daytime(signed - draws.between(18, 70), forward=False)
            paid = shipped - draws.between(3, 30)
            success = signed + draws.confirm_delay()
            if success > self.now:
                success = None
            status = OrderStatus.SUCCESS if success else OrderStatus.WAIT_BUYER_CONFIRM
        created = paid - dt.timedelta(minutes=self.rng.uniform(0.5, 20))
        draft = self.draft(
            shop=story.shop, buyer=buyer, created=created, paid=paid, shipped=shipped,
            signed=signed, success=success, status=status, lines=lines,
        )  # fmt: skip
        return draft, refused

    def buyer(self) -> dict[str, str]:
        rng = self.rng
        province, city, districts, postal, _weight = rng.choices(
            catalog.PLACES, weights=[p[4] for p in catalog.PLACES]
        )[0]
        if rng.random() < 0.3:
            nick = "tb" + self.draws.digits(10)
        else:
            nick = (
                rng.choice(catalog.NICK_PREFIXES)
                + rng.choice(catalog.NICK_STEMS)
                + rng.choice(catalog.NICK_SUFFIXES)
            )
        street = (
            f"{rng.choice(catalog.ROADS)}{rng.randint(1, 999)}号"
            f"{rng.choice(catalog.COMPOUNDS)}{rng.randint(1, 30)}栋"
            f"{rng.randint(1, 4)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
        )
        return {
            "buyer_nick": nick,
            "receiver_name": rng.choice(catalog.SURNAMES) + rng.choice(catalog.GIVEN_NAMES),
            "receiver_phone": "1" + rng.choice("35789") + self.draws.digits(9),
            "province": province,
            "city": city,
            "district": rng.choice(districts),
            "street": street,
            "postal_code": postal,
        }

    def lines(
        self, shop: str, first: ProductSpec | None, qty: int | None, *, extra: bool
    ) -> list[LineDraft]:
        rng = self.rng
        specs = list(self.products[shop].values())
        chosen: list[ProductSpec] = [first] if first is not None else []
        wanted = rng.choices((1, 2, 3), weights=(70, 22, 8))[0] if extra else len(chosen)
        while len(chosen) < min(max(wanted, 1), len(specs)):
            spec = rng.choices(specs, weights=[s.weight for s in specs])[0]
            if spec not in chosen:
                chosen.append(spec)
        out = []
        for i, spec in enumerate(chosen):
            n = min(rng.choices((1, 2, 3), weights=(75, 20, 5))[0], spec.max_qty)
            if i == 0 and qty is not None:
                n = qty
            gross = spec.price * n
            discount = rng.random()
            if discount < 0.12:
                paid = to_money(gross * Decimal("0.9"))  # 店铺九折
            elif discount < 0.25 and gross > 60:
                paid = gross - rng.choice((Decimal("5"), Decimal("10")))  # 店铺优惠券
            else:
                paid = gross
            out.append((spec, n, spec.price, to_money(paid), rng.choice(spec.variants)))
        return out

    def draft(
        self,
        *,
        shop: str,
        buyer: dict[str, str],
        created: dt.datetime,
        paid: dt.datetime | None,
        shipped: dt.datetime | None,
        signed: dt.datetime | None,
        success: dt.datetime | None,
        status: str,
        lines: list[LineDraft],
    ) -> OrderDraft:
        rng = self.rng
        remote = buyer["province"] in catalog.REMOTE_PROVINCES
        goods_total = to_money(sum((price * n for _s, n, price, _p, _v in lines), ZERO))
        goods_paid = to_money(sum((p for _s, _n, _price, p, _v in lines), ZERO))
        free = rng.random() < 0.72
        freight = ZERO if free else to_money(rng.choice((15, 20) if remote else (6, 8, 10, 12)))
        message_roll, note_roll = rng.random(), rng.random()
        order = Order(
            shop=self.shops[shop],
            order_no=self.draws.order_no(),
            status=status,
            goods_total=goods_total,
            freight_paid=freight,
            amount_paid=goods_paid + freight,
            buyer_message=rng.choice(catalog.BUYER_MESSAGES) if message_roll < 0.12 else "",
            seller_note=rng.choice(catalog.SELLER_NOTES) if note_roll < 0.08 else "",
            created_at=created,
            paid_at=paid,
            success_at=success,
            **buyer,
        )
        order_lines = [
            OrderLine(
                line_no=i,
                title=spec.title,
                sku_code=spec.sku,
                sku_properties=props,
                unit_price=price,
                quantity=n,
                amount_paid=amount,
                seven_day_eligible=spec.eligible,
                seven_day_exclusion=spec.exclusion,
                seven_day_exclusion_note=spec.exclusion_note,
                warranty_months=spec.warranty_months,
            )
            for i, (spec, n, price, amount, props) in enumerate(lines, start=1)
        ]
        exact = rng.random() < 0.7
        if shipped is None:
            return OrderDraft(order, order_lines, None)
        if remote:
            code = "post"
        elif goods_paid >= 500:
            code = "sf"
        else:
            code = self.draws.weighted(OUTBOUND_CARRIERS[shop])
        cost = rng.uniform(12, 18) if code in ("sf", "post") else rng.uniform(3.2, 5.5)
        sign: dict[str, Any] = {}
        if signed is not None:
            # Some carriers report the sign-in time, some only the day; keep what we got.
            sign = (
                {"sign_precision": SignPrecision.EXACT, "signed_at": signed}
                if exact
                else {
                    "sign_precision": SignPrecision.DATE,
                    "signed_on": signed.astimezone(SHANGHAI).date(),
                }
            )
            sign["sign_source"] = SignSource.TRACKING
        shipment = Shipment(
            direction=ShipmentDirection.OUTBOUND,
            carrier=self.carriers[code],
            waybill_no=self.draws.waybill(code),
            shipped_at=shipped,
            freight=to_money(f"{cost:.1f}"),
            **sign,
        )
        return OrderDraft(order, order_lines, shipment)
