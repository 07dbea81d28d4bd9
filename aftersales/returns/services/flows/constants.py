"""Kinds, limits and the messages people see when a rule refuses an action."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from aftersales.returns.kinds import CaseKind

RETURN_KINDS = frozenset(
    {
        CaseKind.REFUND_ONLY,
        CaseKind.RETURN_REFUND,
        CaseKind.EXCHANGE,
        CaseKind.REFUSAL,
        CaseKind.COMPENSATION,
    }
)

WINDOW_BOUND_KINDS = frozenset({CaseKind.REFUND_ONLY, CaseKind.RETURN_REFUND, CaseKind.EXCHANGE})

MSG_LINE_EXCLUDED = _("“%(title)s”不支持七天无理由退换货（%(why)s）。")
MSG_EXCLUSION_WITH_NOTE = _("%(reason)s：%(note)s")
MSG_WINDOW_CLOSED = _("“%(title)s”的七天无理由期限已于 %(end)s 结束。")
MSG_NOT_SIGNED_RETURN = _("买家尚未签收，不能申请退货或换货；可申请仅退款或拒收。")
MSG_REASON_REQUIRED = _("请填写拒绝原因。")
MSG_NO_STOCK = _("“%(title)s”库存不足（剩余 %(stock)s），可改为退货退款。")
MSG_OWN_APPROVAL = _("不能审批自己提交的申请。")
MSG_REMEDY_REQUIRED = _("请选择补偿方式。")
MSG_AMOUNT_REQUIRED = _("请填写大于 0 的补偿金额。")
MSG_WAYBILL_REQUIRED = _("请填写运单号。")
MSG_CARRIER_REQUIRED = _("请选择快递公司。")
MSG_RECEIVED_QTY = _("实收数量不能超过申请数量 %(qty)s。")
MSG_REFUND_PENDING = _("还有退款在处理中，不能重新退款。")
MSG_NOTHING_TO_REFUND = _("没有可退的金额。")
MSG_NOT_ALL_REFUNDED = _("退款尚未全部成功，不能完成。")
MSG_GOODS_REQUIRED = _("请填写补偿的商品。")
MSG_GOODS_VALUE_REQUIRED = _("请填写补偿商品的价值，审批规则按它判断。")
MSG_KIND_NOT_RETURN = _("该类型不属于退换货及补偿。")
MSG_UNKNOWN_REASON = _("未知的售后原因：%(reason)s")
MSG_REFUND_EXCEEDS_CASE = _("退款金额超出本售后单商品的实付金额：最多可退 %(max)s 元。")
MSG_AMOUNT_NOT_POSITIVE = _("金额必须大于 0。")
MSG_AMOUNT_FORMAT = _("金额格式不正确。")
MSG_FREIGHT_NEGATIVE = _("运费不能为负数。")
MSG_TOO_LONG = _("不能超过 %(max)s 个字符。")
MSG_RECEIVED_FORMAT = _("请按商品行填写实收数量。")

# The largest amount a money column (12 digits, 2 after the point) holds. Above it PostgreSQL
# fails the insert and SQLite keeps it as given: refused here, the same on both.
MAX_AMOUNT = Decimal("9999999999.99")
MSG_UNKNOWN_ACTION = _("该售后单没有这个操作。")
MSG_AMOUNT_EMPTY = _("请填写退款金额：金额为空不会按全额退款。")
MSG_CANCEL_REASON_REQUIRED = _("请填写取消原因。")
MSG_DEDUCTION_REASON_REQUIRED = _("商品不完好时请填写扣减原因。")
MSG_NOT_INTACT_FULL = _(
    "退回商品不完好，不能全额退款（全额 %(full)s 元）：请填写扣减后的金额，或拒绝。"
)
MSG_EXCHANGE_NO_STOCK = _("换货商品 %(sku)s 库存不足（剩余 %(stock)s），可改为退货退款。")
MSG_NOTHING_CAME_BACK = _("拒收件没有退回任何商品：请补寄全部或退款。")
MSG_REFUSED_AT_REQUIRED = _("请填写拒收时间。")
MSG_EXCHANGE_SKU_UNKNOWN = _("本店没有商家编码为 %(sku)s 的商品。")
