from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.orders.models import money_field


class ApprovalKind(models.TextChoices):
    COMPENSATION = "compensation", _("补偿审批")
    PAST_WARRANTY_REPAIR = "past_warranty_repair", _("超期返修审批")
    REVIEW_COMPENSATION = "review_compensation", _("中差评补偿审批")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class Approval(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(_("类型"), max_length=32, choices=ApprovalKind.choices)
    amount = money_field(_("金额"))
    summary = models.CharField(_("内容"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(_("审批意见"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("审批")
        verbose_name_plural = _("审批")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="approval_one_pending_per_case",
            )
        ]
