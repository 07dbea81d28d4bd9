from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkdayOverride(models.Model):
    """An administrator's word on one date: a working day or a day off, whatever the
    statutory calendar says."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.is_workday else '-'}"


class Carrier(models.Model):
    """A courier company: reference data every layer may name (an order's shipments, a case's
    parcels, the courier area's coverage and scorecards), so it lives below them all. The
    table keeps the name it had when the logistics app held it."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)

    class Meta:
        db_table = "logistics_carrier"
        verbose_name = _("快递公司")
        verbose_name_plural = _("快递公司")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IdempotencyRecord(models.Model):
    """One request made with an Idempotency-Key (IETF draft "The Idempotency-Key HTTP Header
    Field"): while it runs, a second request with the key is told so (409); once done, the
    same request gets the first answer again and a different one is refused (422)."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    done = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]
