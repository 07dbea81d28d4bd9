"""Approvals: the rules that say what needs one, and the approvals themselves.

The areas (returns, repairs, reviews) ask ``selectors.approval_rule_for`` whether an action
needs an approval, request it through ``services.approval_request`` and register a decision
handler (``registry``) that moves their case once a supervisor has decided.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role
from aftersales.orders.models import money_field


class ApprovalKind(models.TextChoices):
    """What is being approved. The areas may register more kinds; these have labels."""

    COMPENSATION = "compensation", _("补偿审批")
    PAST_WARRANTY_REPAIR = "past_warranty_repair", _("超期返修审批")
    OUT_OF_SCOPE_REPAIR = "out_of_scope_repair", _("超服务返修审批")
    REVIEW_COMPENSATION = "review_compensation", _("中差评补偿审批")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class RuleCondition(models.TextChoices):
    """When a rule fires. ``amount_over`` compares the cost with the threshold; the others are
    facts the area states about the matter (a repair past its warranty, …)."""

    AMOUNT_OVER = "amount_over", _("金额超过阈值")
    ALWAYS = "always", _("一律审批")
    PAST_WARRANTY = "past_warranty", _("超期返修")
    OUT_OF_SCOPE = "out_of_scope", _("超服务范围")
    REVIEW_COMPENSATION = "review_compensation", _("中差评补偿")


DEFAULT_APPROVER_ROLE = "supervisor"
DEFAULT_DEADLINE_HOURS = 24


class ApprovalRule(models.Model):
    """One row per rule: which matters of which shop need whose approval, and how fast."""

    shop = models.ForeignKey(
        "accounts.Shop",
        verbose_name=_("店铺"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approval_rules",
        help_text=_("留空表示所有店铺。"),
    )
    case_kind = models.CharField(
        _("售后类型"), max_length=32, blank=True, help_text=_("留空表示所有类型。")
    )
    condition = models.CharField(
        _("条件"), max_length=24, choices=RuleCondition.choices, default=RuleCondition.AMOUNT_OVER
    )
    threshold = money_field(_("金额阈值"))
    approver_role = models.CharField(
        _("审批角色"), max_length=32, choices=Role.choices, default=DEFAULT_APPROVER_ROLE
    )
    deadline_hours = models.PositiveIntegerField(
        _("审批时限（小时）"), default=DEFAULT_DEADLINE_HOURS
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    # Null only for the rules the migration made from the shops' old thresholds.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("审批规则")
        verbose_name_plural = _("审批规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=Decimal("0.00")), name="approvalrule_threshold_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(deadline_hours__gte=1), name="approvalrule_deadline_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_condition_display()} {self.threshold}"


class Approval(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(_("类型"), max_length=32, choices=ApprovalKind.choices)
    amount = money_field(_("金额"))
    summary = models.CharField(_("内容"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    rule = models.ForeignKey(
        ApprovalRule,
        verbose_name=_("审批规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approvals",
    )
    approver_role = models.CharField(
        _("审批角色"), max_length=32, choices=Role.choices, default=DEFAULT_APPROVER_ROLE
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    # Null only while code that predates the rules still creates approvals without a rule;
    # approval_request always sets it and the migration filled in the old rows.
    due_at = models.DateTimeField(_("审批截止时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The decision's reason: required to reject, optional to approve.
    comment = models.CharField(_("审批意见"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("审批")
        verbose_name_plural = _("审批")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="approval_one_pending_per_case",
            ),
            # The services refuse these first, with a message; the database makes sure no
            # other path (the admin, a script, a future service) can write them either.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="approval_not_own",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(comment=""),
                name="approval_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                    | Q(
                        status__in=["approved", "rejected"],
                        decided_by__isnull=False,
                        decided_at__isnull=False,
                    )
                ),
                name="approval_decision_recorded",
            ),
        ]
        indexes = [
            # The approvers' queue: pending approvals, what is due first.
            models.Index(
                fields=["due_at", "id"],
                condition=Q(status="pending"),
                name="approval_pending_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
