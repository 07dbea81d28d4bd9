from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MessageTemplate(models.Model):
    """What the shop says to a buyer at a step; the administrator edits the wording."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    body = models.TextField(
        _("内容"),
        help_text=_("可用变量：{buyer} {order_no} {case_no} {address} {waybill} {amount}"),
    )

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")

    def __str__(self) -> str:
        return self.name


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class BuyerMessage(models.Model):
    """A message to a buyer, and its own outbox entry: written in the transaction of the
    change that causes it, so it exists exactly when the change does; a pending or failed
    row is what the worker still has to deliver (see messaging.services)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="messages")
    template_code = models.CharField(max_length=32)
    body = models.TextField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("买家消息")
        verbose_name_plural = _("买家消息")
        indexes = [
            # The outbox: what is still to deliver, oldest first. Partial, so it stays as
            # small as the backlog however many messages were ever sent.
            models.Index(
                fields=["created_at", "id"],
                condition=~Q(status="sent"),
                name="buyermessage_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.template_code}"
