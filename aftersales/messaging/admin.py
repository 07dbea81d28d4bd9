from django.contrib import admin

from aftersales.messaging.models import BuyerMessage, MessageTemplate

admin.site.register(MessageTemplate)


@admin.register(BuyerMessage)
class BuyerMessageAdmin(admin.ModelAdmin):
    """The outbox, for whoever runs the system: what is still pending or failed, and why.
    Read only: messages are written by the cases' actions and sent by the worker."""

    list_display = ("id", "case", "template_code", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "template_code")
    list_select_related = ("case",)
    search_fields = ("case__number",)
    ordering = ("-created_at", "-id")
    readonly_fields = (
        "case",
        "template_code",
        "body",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
