"""Today's behaviour as rows: each shop's compensation threshold becomes the shop's rule, and
the approvals already written get what the new constraints and the queue need."""

import datetime as dt

from django.db import migrations
from django.db.models import F
from django.utils import timezone

# The deadline every approval had in practice before rules carried one.
OLD_DEADLINE_HOURS = 24
MIGRATION_NOTE = "由店铺的补偿审批阈值迁移而来"
# Rejections used to be allowed without a reason; the constraint added next needs one.
OLD_REJECTION_COMMENT = "（旧记录：驳回时未填写原因）"


def rules_from_thresholds(apps, schema_editor):
    Shop = apps.get_model("accounts", "Shop")
    ApprovalRule = apps.get_model("approvals", "ApprovalRule")
    Approval = apps.get_model("approvals", "Approval")
    now = timezone.now()
    for shop in Shop.objects.order_by("pk").iterator():
        rule = ApprovalRule.objects.create(
            shop=shop,
            case_kind="compensation",
            condition="amount_over",
            threshold=shop.compensation_approval_threshold,
            approver_role="supervisor",
            deadline_hours=OLD_DEADLINE_HOURS,
            is_active=True,
            note=MIGRATION_NOTE,
            created_at=now,
            updated_at=now,
        )
        Approval.objects.filter(
            case__shop_id=shop.pk, kind="compensation", rule__isnull=True
        ).update(rule=rule)
    Approval.objects.filter(due_at__isnull=True).update(
        due_at=F("requested_at") + dt.timedelta(hours=OLD_DEADLINE_HOURS)
    )
    Approval.objects.filter(status="rejected", comment="").update(comment=OLD_REJECTION_COMMENT)


def remove_migrated_rules(apps, schema_editor):
    ApprovalRule = apps.get_model("approvals", "ApprovalRule")
    Approval = apps.get_model("approvals", "Approval")
    migrated = ApprovalRule.objects.filter(created_by__isnull=True, note=MIGRATION_NOTE)
    Approval.objects.filter(rule__in=migrated).update(rule=None)
    migrated.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_create_role_groups"),
        ("approvals", "0003_approval_rules"),
    ]

    operations = [migrations.RunPython(rules_from_thresholds, remove_migrated_rules)]
