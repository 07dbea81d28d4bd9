from django.db import models
from django.utils.translation import gettext_lazy as _


class Carrier(models.Model):
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("快递公司")
        verbose_name_plural = _("快递公司")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
