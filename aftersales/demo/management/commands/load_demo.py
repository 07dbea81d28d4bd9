import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from aftersales.cases.registry import registry
from aftersales.demo.data import (
    DemoError,
    DemoSummary,
    demo_load,
    demo_loaded,
    demo_reset,
    demo_summary,
    staff_table,
)


class Command(BaseCommand):
    help = (
        "加载演示数据：两家店铺、员工账号、约 300 个订单和各状态的售后单。"
        "已加载时不做任何改动。 Load the demo shops, staff, orders and cases."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先删除演示数据（仅演示店铺、演示账号和演示部门），再重新加载。",
        )

    def handle(self, *args, reset: bool, **options):
        started = time.monotonic()
        try:
            # One transaction: a reset whose reload fails leaves the old demo in place.
            with transaction.atomic():
                if reset:
                    deleted = demo_reset()
                    self.stdout.write(f"已删除演示数据：{sum(deleted.values())} 行。")
                if demo_loaded():
                    self.stdout.write(self.style.WARNING("演示数据已加载，未做任何改动。"))
                    self._summary(demo_summary(now=timezone.now()))
                    loaded = False
                else:
                    self._summary(demo_load(now=timezone.now()))
                    loaded = True
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if loaded:
            elapsed = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f"演示数据已加载，用时 {elapsed:.1f} 秒。"))
        self._staff()

    def _summary(self, summary: DemoSummary) -> None:
        write = self.stdout.write
        write(f"订单 {summary.orders} 个；售后单 {sum(summary.cases_by_kind_status.values())} 个：")
        for kind in registry.kinds():
            counts = {
                status: n
                for (k, status), n in summary.cases_by_kind_status.items()
                if k == kind.code
            }
            if not counts:
                continue
            parts = ", ".join(
                f"{registry.status_label(kind.code, s)} {n}" for s, n in sorted(counts.items())
            )
            write(f"  {kind.label}（{kind.code}）{sum(counts.values())}：{parts}")
        refunds = ", ".join(f"{s} {n}" for s, n in sorted(summary.refunds_by_status.items()))
        write(f"退款：{refunds or '无'}")
        for line in summary.areas:
            write(f"  {line}")
        write(
            f"未结案中：已超时 {summary.open_overdue}，24 小时内到期 {summary.open_due_24h}，"
            f"未分配 {summary.unassigned_open}"
        )

    def _staff(self) -> None:
        write = self.stdout.write
        write("")
        write(f"{'username':<20} {'role':<30} {'password':<30} 姓名 / 店铺")
        for username, roles, password, name, shops in staff_table():
            write(f"{username:<20} {roles:<30} {password:<30} {name} / {shops}")
