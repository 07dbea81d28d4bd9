"""Every shop starts under one rule for compensation: above ¥50 a supervisor approves it within
24 hours (the threshold shops had before rules were rows). It is a rule of every shop, so a
shop opened later is covered from its first case; an administrator changes or deactivates it
on the rules page, and a shop adds stricter rules of its own."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

NOTE = "默认规则：补偿金额超过 50 元需主管审批"


def add_default(apps, schema_editor):
    ApprovalRule = apps.get_model("approvals", "ApprovalRule")
    if ApprovalRule.objects.filter(shop__isnull=True, case_kind="compensation").exists():
        return
    now = timezone.now()
    ApprovalRule.objects.create(
        shop=None,
        case_kind="compensation",
        condition="amount_over",
        threshold=Decimal("50.00"),
        approver_role="supervisor",
        deadline_hours=24,
        is_active=True,
        note=NOTE,
        created_at=now,
        updated_at=now,
    )


def remove_default(apps, schema_editor):
    ApprovalRule = apps.get_model("approvals", "ApprovalRule")
    ApprovalRule.objects.filter(shop__isnull=True, note=NOTE, created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_approval_decision_constraints")]

    operations = [migrations.RunPython(add_default, remove_default)]
