"""python manage.py import_orders --shop "店铺名" [--as USERNAME] ORDERS_FILE [ITEMS_FILE]

Run by the server's operator, it imports as the system itself; ``--as`` imports as that user,
with the same checks as the API (the role must be allowed to import orders in that shop).

The exit status tells a script what happened: 0 when the files were read to the end and at
least one row imported (refused rows are listed, and importing the fixed file again adds
them); 1 when a file was refused or could not be read to its end, or when not one row could
be imported."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.models import Shop, User
from aftersales.core.errors import NotFound, PermissionDeniedError
from aftersales.orders.importers import FILE_ERROR_CODES, ORDER_COLUMNS_REQUIRED, column_list
from aftersales.orders.services import ImportReport, order_import_files

HELP = gettext_lazy(
    "导入淘宝卖家中心导出的订单报表（ExportOrderList）和宝贝报表（ExportOrderDetailList），"
    "CSV 或 XLSX。"
)
EPILOG = gettext_lazy(
    "新旧版本和天猫店的导出都可以导入：列按表头名称查找，订单报表只有这些列是必需的："
    "%(columns)s。"
    "退出状态：文件读完且至少导入了一行时为 0（有错误的行会逐行列出，其余照常导入）；"
    "文件被拒绝（如缺少必需的列、格式无法识别）、未能读到文件末尾，或没有一行能导入时为 1，"
    "原因写在标准错误输出中。"
)
MSG_FILE_REFUSED = gettext_lazy("%(file)s 未能导入：%(reason)s")
MSG_NOTHING_IMPORTED = gettext_lazy("没有一行能导入：%(errors)s 个错误，见上。")


def _file_refusals(report: ImportReport) -> list[str]:
    return [
        str(MSG_FILE_REFUSED % {"file": e.file, "reason": e.message})
        for e in report.errors
        if e.code in FILE_ERROR_CODES
    ]


def _nothing_imported(report: ImportReport) -> bool:
    """Rows were refused and none was taken (an order found unchanged was taken: it is
    already as the file says)."""
    taken = (
        report.orders_created
        + report.orders_updated
        + report.orders_unchanged
        + report.lines_created
    )
    return bool(report.errors) and taken == 0


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse reflows the description with re.sub, which takes a str and not a lazy
        # translation (a lazy ``help`` made --help crash); resolved here, the help is in the
        # language active when it is shown.
        self.help = str(HELP)
        kwargs.setdefault("epilog", EPILOG % {"columns": column_list(ORDER_COLUMNS_REQUIRED)})
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        # Called as the parser is built: gettext, not gettext_lazy, gives argparse the str it
        # formats, in the language active then.
        parser.add_argument("--shop", required=True, help=_("店铺名称"))
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            default=None,
            help=_("以该用户的身份导入，按其角色检查权限；不填则以系统身份导入"),
        )
        parser.add_argument("orders_file", help=_("订单报表文件"))
        parser.add_argument("items_file", nargs="?", help=_("宝贝报表文件"))
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help=_("每批的行数；不填则按数据库选择（PostgreSQL 为 10,000）"),
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=10_000,
            help=_("每读完这么多行报告一次进度（写在标准错误输出中）"),
        )

    def handle(
        self,
        *args: Any,
        shop: str,
        as_user: str | None,
        orders_file: str,
        items_file: str | None,
        batch_size: int | None,
        progress_every: int,
        **options: Any,
    ) -> None:
        try:
            shop_obj = Shop.objects.get(name=shop)
        except Shop.DoesNotExist:
            raise CommandError(_("没有名为“%(shop)s”的店铺。") % {"shop": shop}) from None
        actor = None
        if as_user is not None:
            try:
                actor = User.objects.get(username=as_user)
            except User.DoesNotExist:
                raise CommandError(
                    _("没有用户名为“%(user)s”的员工。") % {"user": as_user}
                ) from None
        if (batch_size is not None and batch_size < 1) or progress_every < 1:
            raise CommandError(_("--batch-size 和 --progress-every 必须大于 0。"))

        started = time.monotonic()
        next_report = progress_every

        def progress(rows: int) -> None:
            # Called once per batch; print when a multiple of progress_every was passed.
            nonlocal next_report
            if rows < next_report:
                return
            next_report = (rows // progress_every + 1) * progress_every
            elapsed = max(time.monotonic() - started, 1e-9)
            self.stderr.write(
                _("已处理 %(rows)s 行，%(rate)s 行/秒")
                % {"rows": f"{rows:,}", "rate": f"{rows / elapsed:,.0f}"}
            )

        try:
            report = order_import_files(
                shop=shop_obj,
                actor=actor,
                orders_file=orders_file,
                items_file=items_file,
                progress=progress,
                batch_size=batch_size,
                now=timezone.now(),
            )
        except FileNotFoundError as e:
            raise CommandError(_("找不到文件：%(path)s") % {"path": e.filename}) from None
        except (NotFound, PermissionDeniedError) as e:
            raise CommandError(str(e.message)) from None

        elapsed = max(time.monotonic() - started, 1e-9)
        self.stdout.write(
            _(
                "读取 %(rows)s 行，用时 %(seconds).1f 秒（%(rate)s 行/秒）。"
                "新建订单 %(created)s，更新 %(updated)s，未变 %(unchanged)s；"
                "新建明细 %(lines)s；错误 %(errors)s 个。"
            )
            % {
                "rows": report.rows_read,
                "seconds": elapsed,
                "rate": f"{report.rows_read / elapsed:,.0f}",
                "created": report.orders_created,
                "updated": report.orders_updated,
                "unchanged": report.orders_unchanged,
                "lines": report.lines_created,
                "errors": len(report.errors),
            }
        )
        for error in report.errors:
            where = _("%(file)s 第 %(row)s 行") % {"file": error.file, "row": error.row}
            if error.field:
                where += f"［{error.field}］"
            self.stdout.write(f"{where}：{error.message}")

        # What was imported stays imported; the status only tells a script to look.
        if report.interrupted is not None:
            raise CommandError(report.interrupted.message)
        refusals = _file_refusals(report)
        if refusals:
            raise CommandError("\n".join(refusals))
        if _nothing_imported(report):
            raise CommandError(str(MSG_NOTHING_IMPORTED % {"errors": len(report.errors)}))
