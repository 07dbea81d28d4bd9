import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles are Django groups of these names; one person may hold several."""

    AGENT = "agent", _("售后客服")
    WAREHOUSE = "warehouse", _("仓库")
    PACKER = "packer", _("发货人员")
    REVIEW_SPECIALIST = "review_specialist", _("回评专员")
    DISPUTE_SPECIALIST = "dispute_specialist", _("维权专员")
    SUPERVISOR = "supervisor", _("主管")
    ADMINISTRATOR = "administrator", _("管理员")


# Roles that work with buyers or parcels directly and so may open a buyer's phone and address.
CONTACT_ROLES = frozenset(
    {
        Role.AGENT,
        Role.WAREHOUSE,
        Role.REVIEW_SPECIALIST,
        Role.DISPUTE_SPECIALIST,
        Role.SUPERVISOR,
    }
)


class Department(models.Model):
    name = models.CharField(_("名称"), max_length=64, unique=True)
    head = models.ForeignKey(
        "accounts.User",
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class Shop(models.Model):
    name = models.CharField(_("店铺名称"), max_length=128, unique=True)
    platform_shop_id = models.CharField(_("平台店铺ID"), max_length=64, blank=True)
    return_address = models.CharField(_("退货地址"), max_length=255, blank=True)
    return_contact = models.CharField(_("退货联系人"), max_length=64, blank=True)
    return_phone = models.CharField(_("退货电话"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("店铺")
        verbose_name_plural = _("店铺")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT
    )
    shops = models.ManyToManyField(Shop, verbose_name=_("店铺"), blank=True, related_name="staff")

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_names(self) -> frozenset[str]:
        cached = getattr(self, "_role_names", None)
        if cached is None:
            cached = frozenset(self.groups.values_list("name", flat=True))
            self._role_names = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        # Roles only: a superuser holds no power here that a role does not give.
        return bool(self.role_names.intersection(roles))

    def shop_ids(self) -> list[int]:
        cached = getattr(self, "_shop_ids", None)
        if cached is None:
            cached = list(self.shops.values_list("id", flat=True))
            self._shop_ids = cached
        return cached


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "as_" + secrets.token_urlsafe(32)


class ContactReveal(models.Model):
    """Every time someone opens a buyer's unmasked phone and address, a row is left."""

    user = models.ForeignKey(User, on_delete=models.PROTECT)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    via = models.CharField(max_length=16)

    class Meta:
        verbose_name = _("联系方式查看记录")
        verbose_name_plural = _("联系方式查看记录")
