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
