"""Read-only in the admin: rules change through their page (who and when are recorded) and
approvals through a decision, never by editing a row."""

from django.contrib import admin

from aftersales.approvals.models import Approval, ApprovalRule


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(_ReadOnly):
    list_display = (
        "id",
        "shop",
        "case_kind",
        "condition",
        "threshold",
        "approver_role",
        "deadline_hours",
        "is_active",
        "updated_at",
    )
    list_filter = ("is_active", "condition", "shop")


@admin.register(Approval)
class ApprovalAdmin(_ReadOnly):
    list_display = (
        "id",
        "case",
        "kind",
        "amount",
        "status",
        "requested_by",
        "due_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status", "kind")
    list_select_related = ("case", "requested_by", "decided_by")
    raw_id_fields = ("case", "rule")
