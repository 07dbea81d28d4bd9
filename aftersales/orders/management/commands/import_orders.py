"""python manage.py import_orders --shop "店铺名" [--as USERNAME] ORDERS_FILE [ITEMS_FILE]

Run by the server's operator, it imports as the system itself; ``--as`` imports as that user,
with the same checks as the API (the role must be allowed to import orders in that shop)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.models import Shop, User
from aftersales.core.errors import NotFound, PermissionDeniedError
from aftersales.orders.services import order_import_files


class Command(BaseCommand):
    help = gettext_lazy(
        "导入淘宝卖家中心导出的订单报表（ExportOrderList）和宝贝报表（ExportOrderDetailList），"
        "CSV 或 XLSX。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help=gettext_lazy("店铺名称"))
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            default=None,
            help=gettext_lazy("以该用户的身份导入，按其角色检查权限；不填则以系统身份导入"),
        )
        parser.add_argument("orders_file", help=gettext_lazy("订单报表文件"))
        parser.add_argument("items_file", nargs="?", help=gettext_lazy("宝贝报表文件"))
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="rows per batch; by default what suits the database (10,000 on PostgreSQL)",
        )
        parser.add_argument("--progress-every", type=int, default=10_000)

    def handle(
        self, *args, shop, as_user, orders_file, items_file, batch_size, progress_every, **options
    ):
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
