"""The case core every area shares: one inbox, one timeline, one way to move a status."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.IntegerChoices):
    LOW = 1, _("低")
    NORMAL = 2, _("普通")
    HIGH = 3, _("高")
    URGENT = 4, _("紧急")


class Reason(models.TextChoices):
    NO_REASON = "no_reason", _("七天无理由")
    QUALITY = "quality", _("质量问题")
    DAMAGED = "damaged", _("破损")
    SHORTAGE = "shortage", _("少件/漏发")
    WRONG_ITEM = "wrong_item", _("发错货")
    NOT_AS_DESCRIBED = "not_as_described", _("与描述不符")
    CHANGED_MIND = "changed_mind", _("买家个人原因")
    OTHER = "other", _("其他")


class Case(models.Model):
    number = models.CharField(_("编号"), max_length=24, unique=True)
    shop = models.ForeignKey("accounts.Shop", on_delete=models.PROTECT, related_name="cases")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="cases")
    # Kinds and their statuses are registered by the areas (cases.registry), not listed here.
    kind = models.CharField(_("类型"), max_length=32)
    status = models.CharField(_("状态"), max_length=32)
    reason = models.CharField(_("原因"), max_length=24, choices=Reason.choices, blank=True)
    buyer_claim = models.TextField(_("买家诉求"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    priority = models.PositiveSmallIntegerField(
        _("优先级"), choices=Priority.choices, default=Priority.NORMAL
    )
    due_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    due_rule = models.CharField(_("时限规则"), max_length=32, blank=True)
    is_open = models.BooleanField(default=True)
    escalated_at = models.DateTimeField(_("升级主管时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Bumped by every change; a form posts the version it saw so a stale action is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("售后单")
        verbose_name_plural = _("售后单")
        indexes = [
            # The inbox: a shop's open cases, what is due first.
            models.Index(fields=["shop", "is_open", "due_at", "id"], name="case_inbox_idx"),
            # Across several shops the queue is ordered by deadline alone: this partial index
            # gives the first page of open cases without sorting every case.
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(is_open=True),
                name="case_open_due_idx",
            ),
            models.Index(fields=["order"], name="case_order_idx"),
            models.Index(fields=["assignee", "is_open"], name="case_assignee_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    # Labels come from the kind's registration, in the active language.
    @property
    def kind_label(self) -> str:
        from aftersales.cases.registry import registry

        return registry.kind_label(self.kind)

    @property
    def status_label(self) -> str:
        from aftersales.cases.registry import registry

        return registry.status_label(self.kind, self.status)

    @property
    def inbox_flag_label(self) -> str:
        from aftersales.cases.registry import registry

        return registry.inbox_flag_label(self.kind)

    @property
    def status_alert(self) -> bool:
        from aftersales.cases.registry import registry

        return registry.status_alert(self.kind, self.status)


class CaseLine(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    received_quantity = models.PositiveIntegerField(_("实收数量"), null=True, blank=True)

    class Meta:
        verbose_name = _("售后明细")
        verbose_name_plural = _("售后明细")
        constraints = [
            models.UniqueConstraint(fields=["case", "order_line"], name="caseline_unique_line"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="caseline_qty_pos"),
        ]


class CaseEvent(models.Model):
    """Append-only: who did what, when, and the state before and after."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=32)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("售后单事件")
        verbose_name_plural = _("售后单事件")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="caseevent_case_idx")]


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("备注")
        verbose_name_plural = _("备注")
        ordering = ["created_at", "id"]


def attachment_path(instance: "CaseAttachment", filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["created_at", "id"]
