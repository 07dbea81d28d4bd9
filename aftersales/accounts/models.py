import hashlib
import secrets
import threading
from contextlib import contextmanager

from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone
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

    def save(self, *args, **kwargs):
        # A new password (set_password, on every path: the admin's forms, changepassword, a
        # user's own change) revokes every API token the old one made. Django keeps the raw
        # password in _password exactly until such a save, and not for a hash upgrade at
        # login.
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.objects.filter(user=self, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its hash is kept (SHA-256 of a random key of 256
    bits: nothing to brute-force, so no slow hash). It works until it expires or is revoked
    (by its owner, an administrator of the owner's shops, or a change of the owner's
    password)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active_at(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "as_" + secrets.token_urlsafe(32)


class RevealLogIsAppendOnly(Exception):
    """Someone tried to change or delete a row of the contact-reveal log."""


# Set while reveal_log_purge() runs on this thread: the one way rows of the log go away.
_purge = threading.local()


class RevealPurgePermit(models.Model):
    """A row exists only inside reveal_log_purge()'s transaction (made and deleted in it, so no
    other transaction ever sees one): the database triggers on the reveal log let a DELETE
    through only while one is there (migration 0006)."""

    created_at = models.DateTimeField(auto_now_add=True)


@contextmanager
def reveal_log_purge():
    """Delete rows of the reveal log inside this block, and nowhere else: for removing demo
    data (``demo_reset``), never for real shops' logs."""
    with transaction.atomic():
        permit = RevealPurgePermit.objects.create()
        _purge.active = True
        try:
            yield
        finally:
            _purge.active = False
            RevealPurgePermit.objects.filter(pk=permit.pk).delete()


def _purging() -> bool:
    return getattr(_purge, "active", False)


class ContactRevealQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RevealLogIsAppendOnly("The contact-reveal log cannot be changed.")

    def delete(self):
        if not _purging() and self.exists():
            raise RevealLogIsAppendOnly("The contact-reveal log cannot be deleted.")
        return super().delete()


class ContactReveal(models.Model):
    """Every time someone opens a buyer's unmasked phone and address, a row is left. The log is
    evidence: a row is written once and never changed or deleted, by the model (save of a
    stored row, delete, a queryset's update or delete refuse), by the admin (read only) and by
    the database (migration 0006: on PostgreSQL a trigger refuses UPDATE and DELETE, on SQLite
    UPDATE)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    via = models.CharField(max_length=16)

    objects = ContactRevealQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系方式查看记录")
        verbose_name_plural = _("联系方式查看记录")

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RevealLogIsAppendOnly("The contact-reveal log cannot be changed.")
        kwargs["force_insert"] = True
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not _purging():
            raise RevealLogIsAppendOnly("The contact-reveal log cannot be deleted.")
        return super().delete(*args, **kwargs)
