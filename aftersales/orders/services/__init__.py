"""The only code that writes orders, their lines and their outbound shipments.

Two ways in: ``order_import_files`` streams the seller centre's two reports, and
``order_upsert_many`` takes orders already parsed (the REST API); both take the acting user
and check ``Perm.ORDER_IMPORT`` themselves. An order is identified by (shop, order_no).
Importing it again updates only what a later export can change (status, money before
payment, payment and confirmation times, the seller's note, the waybill); its lines are
written once and never duplicated, and their amounts add up to what was paid for the goods.
An update never lowers a line's amount or the order's freight below what the refund ledger
already holds on it (see ``orders.holds``).

- ``order_import``: the two services and the streaming of the files;
- ``order_writes``: what one batch writes; ``import_report``: the report and its messages;
- ``order_copy``: the same writes on PostgreSQL, by COPY and set-based statements;
- ``line_amounts``: each line's share of what was paid;
- ``bulk``: many rows at once — COPY on PostgreSQL, Django's bulk operations elsewhere.
"""

from aftersales.orders.importers import LineInput, OrderInput, RowError
from aftersales.orders.services.import_report import (
    MSG_DUPLICATE_ORDER,
    MSG_FREIGHT_BELOW_HELD,
    MSG_GROUP_ROW_INVALID,
    MSG_LINE_AMOUNT_PARTIAL,
    MSG_LINE_BELOW_HELD,
    MSG_LINES_AMOUNT_MISMATCH,
    MSG_LINES_CONFLICT,
    MSG_LINES_NOT_CONTIGUOUS,
    MSG_ORDER_NOT_FOUND,
    MSG_ORDER_ROW_INVALID,
    ImportReport,
)
from aftersales.orders.services.order_import import (
    LABEL_ITEMS_FILE,
    LABEL_ORDERS_FILE,
    order_import_files,
    order_upsert_many,
)
from aftersales.orders.services.order_writes import UPDATABLE_FIELDS
from aftersales.orders.services.sign_in import (
    TrackingSignIns,
    shipment_sign_in_record,
    tracking_sign_ins_record,
)

__all__ = [
    "LABEL_ITEMS_FILE",
    "LABEL_ORDERS_FILE",
    "MSG_DUPLICATE_ORDER",
    "MSG_FREIGHT_BELOW_HELD",
    "MSG_GROUP_ROW_INVALID",
    "MSG_LINE_AMOUNT_PARTIAL",
    "MSG_LINE_BELOW_HELD",
    "MSG_LINES_AMOUNT_MISMATCH",
    "MSG_LINES_CONFLICT",
    "MSG_LINES_NOT_CONTIGUOUS",
    "MSG_ORDER_NOT_FOUND",
    "MSG_ORDER_ROW_INVALID",
    "UPDATABLE_FIELDS",
    "ImportReport",
    "LineInput",
    "OrderInput",
    "RowError",
    "order_import_files",
    "order_upsert_many",
    "shipment_sign_in_record",
    "tracking_sign_ins_record",
    "TrackingSignIns",
]
