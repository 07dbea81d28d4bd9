"""The problem-parcel kind as the case core knows it: registered once from
``ParcelsConfig.ready()``, with its opener and tracking's problem hook."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from aftersales.cases.models import Case
from aftersales.cases.registry import Action, Kind, NoParams, Opener, registry
from aftersales.core.money import ZERO
from aftersales.parcels import forms, kinds, schemas, selectors
from aftersales.parcels.kinds import KIND, KIND_LABEL, ParcelStatus
from aftersales.parcels.models import ParcelProblem
from aftersales.parcels.services import actions
from aftersales.parcels.services.opening import problem_case_open_from
from aftersales.returns import schemas as return_schemas
from aftersales.returns.services.flows.actions import buyer_message_queue

PARAMS: dict[str, type] = {
    "record_contact": schemas.ContactParams,
    "agree_new_address": schemas.NewAddressParams,
    "agree_pickup": schemas.PickupParams,
    # One name, one schema: a reship is a parcel, as §1 ships one.
    "reship_other_carrier": return_schemas.ShipParams,
    "cancel_and_refund": schemas.CancelRefundParams,
    "close_problem": schemas.CloseParams,
    "retry_refund": return_schemas.RefundParams,
}

MSG_CONFIRM_NEW_ADDRESS = _(
    "确认按新地址重新派送？请确认已通知 %(carrier)s 改派运单 %(waybill)s；问题件将等待签收。"
)
MSG_CONFIRM_PICKUP = _(
    "确认约定买家到网点自提？请确认 %(carrier)s 已把运单 %(waybill)s 留在网点；问题件将等待签收。"
)
MSG_CONFIRM_RESHIP = _(
    "确认为买家 %(buyer)s 换快递补寄订单 %(order)s 的全部商品（%(units)s 件）？"
    "将立即扣减库存并登记补寄运单，补寄运费由卖家承担；"
    "原包裹 %(carrier)s %(waybill)s 按快递预案处理。"
)
MSG_CONFIRM_REFUND = _(
    "确认取消订单 %(order)s 并向买家 %(buyer)s 退款？不改金额时退商品 ¥%(goods)s"
    "，勾选退运费时另退运费 ¥%(freight)s。退款发起后不能撤回。"
)
MSG_CONFIRM_DELIVERED = _("确认包裹已签收并结束问题件？结束后不能恢复。")
MSG_CONFIRM_CLOSE = _("确认关闭问题件？关闭后不能恢复，包裹不再跟进。")
MSG_CONFIRM_RETRY = _("确认向买家 %(buyer)s 重新退款 ¥%(amount)s？")
MSG_CONFIRM_COMPLETE = _("确认完成该售后单？")


def _confirm(name: str):
    def ask(case: Case) -> str:
        problem = ParcelProblem.objects.select_related("shipment__carrier").get(case=case)
        shipment = problem.shipment
        carrier = shipment.carrier.name if shipment.carrier else ""
        order = case.order
        if name == "agree_new_address":
            return str(
                MSG_CONFIRM_NEW_ADDRESS % {"carrier": carrier, "waybill": shipment.waybill_no}
            )
        if name == "agree_pickup":
            return str(MSG_CONFIRM_PICKUP % {"carrier": carrier, "waybill": shipment.waybill_no})
        if name == "reship_other_carrier":
            units = sum(actions.reship_quantities(case).values())
            return str(
                MSG_CONFIRM_RESHIP
                % {
                    "buyer": order.buyer_nick,
                    "order": order.order_no,
                    "units": units,
                    "carrier": carrier,
                    "waybill": shipment.waybill_no,
                }
            )
        if name == "cancel_and_refund":
            goods, freight = actions.refund_default(case)
            return str(
                MSG_CONFIRM_REFUND
                % {
                    "order": order.order_no,
                    "buyer": order.buyer_nick,
                    "goods": goods,
                    "freight": freight,
                }
            )
        if name == "retry_refund":
            owed = sum(
                (r.amount + r.return_freight_amount for r in actions._unreplaced_failures(case)),
                ZERO,
            )
            return str(MSG_CONFIRM_RETRY % {"buyer": order.buyer_nick, "amount": owed})
        return ""

    return ask


STATIC_CONFIRMS = {
    "confirm_delivered": MSG_CONFIRM_DELIVERED,
    "close_problem": MSG_CONFIRM_CLOSE,
    "complete": MSG_CONFIRM_COMPLETE,
}

AVAILABLE = {
    "confirm_delivered": actions.delivered,
    "complete": actions._refunds_done,
    "retry_refund": actions.can_retry,
    "reship_other_carrier": lambda case: not actions.reship_stock_short(case),
}


def _form(name: str):
    def build(case: Case, data: Any = None):
        return forms.action_form(name, case, data)

    return build


def _action(name: str) -> Action:
    return Action(
        name=name,
        label=kinds.ACTION_LABELS[name],
        handler=actions.HANDLERS[name],
        roles=kinds.ACTION_ROLES.get(name, kinds.AGENTS),
        params=PARAMS.get(name, NoParams),
        confirm=STATIC_CONFIRMS.get(name) or _confirm(name),
        internal=name in kinds.INTERNAL,
        form=_form(name),
        available=AVAILABLE.get(name),
    )


def _after_action(*, case: Case, action: str, detail: dict[str, Any], now) -> None:
    # The problem's open mirror follows the case (the unique constraint reads it).
    ParcelProblem.objects.filter(case=case).exclude(is_open=case.is_open).update(
        is_open=case.is_open
    )
    # The buyer is told of a refund as §1 tells them.
    buyer_message_queue(case=case, action=action, after=detail, now=now)


def register() -> None:
    used = {a for _s, a, _t in kinds.MOVES}
    registry.register(
        Kind(
            code=KIND,
            label=KIND_LABEL,
            area="parcels",
            statuses={s.value: s.label for s in ParcelStatus},
            closed=frozenset(s.value for s in kinds.CLOSED_STATUSES),
            initial=ParcelStatus.REPORTED.value,
            moves=tuple((str(s), a, str(t)) for s, a, t in kinds.MOVES),
            actions={name: _action(name) for name in sorted(used)},
            deadline_rules=kinds.DEADLINE_RULES,
            detail_template="parcels/_case_detail.html",
            detail_context=selectors.detail_context,
            detail_api=selectors.detail_api,
            after_action=_after_action,
            event_labels=kinds.EVENT_LABELS,
            describe_event=selectors.describe_event,
            alert_statuses=frozenset({ParcelStatus.REFUND_FAILED.value}),
            stages=kinds.STAGES,
            # What the inbox shows as the case's amount: the refund, once one is agreed.
            inbox_amount="parcel_problem__refund_amount",
        )
    )
    registry.register_opener(
        Opener(
            kinds=(KIND,),
            schema=schemas.ParcelCaseIn,
            open=problem_case_open_from,
            form=forms.NewProblemForm,
        )
    )
