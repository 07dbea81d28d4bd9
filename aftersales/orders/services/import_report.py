"""What an import reports, its messages, and the batches that pass between reading and
writing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from aftersales.orders.importers import LineInput, OrderInput, RowError

MSG_DUPLICATE_ORDER = _("订单编号与第 %(row)s 行重复，本行未导入。")
MSG_ORDER_NOT_FOUND = _("订单报表和系统中都没有这个订单，本行未导入。")
MSG_ORDER_ROW_INVALID = _("该订单在订单报表中有错误，其明细已跳过。")
MSG_GROUP_ROW_INVALID = _("同一订单的其他明细行有错误，本行已跳过。")
MSG_LINES_NOT_CONTIGUOUS = _("该订单的明细没有连续排列，本行未导入。")
MSG_LINES_CONFLICT = _(
    "该订单已有明细，且与本行不一致（明细没有连续排列，或与上次导入的不同），本行未导入。"
)
# Refunds are capped by these amounts; lowering one under what is already refunded (or being
# refunded) would undo the cap.
MSG_FREIGHT_BELOW_HELD = _(
    "邮费 %(freight)s 元低于该订单已退或退款中的运费 %(held)s 元，本行未导入。"
)
MSG_LINE_BELOW_HELD = _(
    "按本行金额，该订单第 %(line)s 项明细只分得 %(amount)s 元，"
    "低于其已退或退款中的 %(held)s 元，本行未导入。"
)
MSG_LINES_AMOUNT_MISMATCH = _(
    "各明细实付金额合计 %(lines)s 元，与订单实付货款 %(goods)s 元（实付金额减邮费）不符。"
)
MSG_LINE_AMOUNT_PARTIAL = _("明细的实付金额要么每项都填，要么都不填。")
# An import that stops partway: every batch before the failure is saved, nothing after it.
MSG_INTERRUPTED = _(
    "导入在%(file)s读到第 %(rows)s 行数据之后中断：%(reason)s。前 %(rows)s 行已处理并保存"
    "（见各项计数），之后的行都没有导入。修正后重新导入整个文件即可：已导入的订单不会重复。"
)
REASON_DATABASE = _("数据库出错，请稍后重试")
REASON_UNREADABLE = _("文件的后半部分无法读取（文件损坏或编码不一致）")
REASON_UNEXPECTED = _("服务器出错")


Progress = Callable[[int], None]


@dataclass
class Interruption:
    """Where an import stopped: the data rows of ``file`` before ``rows_saved`` were saved
    (or refused and reported); none after them was written."""

    file: str
    rows_saved: int
    reason: str

    @property
    def message(self) -> str:
        return str(
            MSG_INTERRUPTED % {"file": self.file, "rows": self.rows_saved, "reason": self.reason}
        )


@dataclass
class ImportReport:
    """What one import did. ``rows_read`` counts data rows of both files (or orders given);
    a refused row is in ``errors`` and in none of the other counts."""

    orders_created: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    lines_created: int = 0
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Set when the import stopped partway; the counts above are then what was saved.
    interrupted: Interruption | None = None

    def counts(self) -> tuple[int, int, int, int]:
        return (self.orders_created, self.orders_updated, self.orders_unchanged, self.lines_created)

    def restore(self, counts: tuple[int, int, int, int]) -> None:
        """Back to ``counts``: a batch whose transaction rolled back saved nothing."""
        (self.orders_created, self.orders_updated, self.orders_unchanged, self.lines_created) = (
            counts
        )

    def as_dict(self) -> dict[str, Any]:
        stopped = self.interrupted
        return {
            "complete": stopped is None,
            "interrupted": None
            if stopped is None
            else {
                "file": stopped.file,
                "rows_saved": stopped.rows_saved,
                "message": stopped.message,
            },
            "orders_created": self.orders_created,
            "orders_updated": self.orders_updated,
            "orders_unchanged": self.orders_unchanged,
            "lines_created": self.lines_created,
            "rows_read": self.rows_read,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass(slots=True)
class LineGroup:
    """All lines of one order, and where to point if they are refused."""

    order_no: str
    file: str
    rows: list[int]
    field: str
    lines: list[LineInput]


@dataclass(slots=True)
class OrdersBatch:
    """A batch of orders ready to write: by order number, the rows they came from (a row
    refused by the write leaves ``rows``), and the file (``""`` for structured input)."""

    data: dict[str, OrderInput]
    row_of: dict[str, int]
    file: str
    rows: set[int] = field(init=False)

    def __post_init__(self) -> None:
        self.rows = set(self.row_of.values())
