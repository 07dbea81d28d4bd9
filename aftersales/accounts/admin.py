from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import ApiToken, ContactReveal, Department, Shop, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("售后"), {"fields": ("display_name", "department", "shops")}),
    )
    list_display = ("username", "display_name", "department", "is_active")
    list_filter = ("groups", "department", "shops", "is_active")
    filter_horizontal = ("groups", "user_permissions", "shops")


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "platform_shop_id")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "head")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_select_related = ("user",)
    readonly_fields = ("user", "key_hash", "prefix", "created_at", "last_used_at")

    # A token is made by signing in through the API (its key is shown only then); here it is
    # read, shortened or revoked.
    def has_add_permission(self, request):
        return False


@admin.register(ContactReveal)
class ContactRevealAdmin(admin.ModelAdmin):
    list_display = ("user", "order", "via", "created_at")
    list_select_related = ("user", "order")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    # The log is evidence: nobody edits or deletes it, administrators included.
    def has_delete_permission(self, request, obj=None):
        return False
