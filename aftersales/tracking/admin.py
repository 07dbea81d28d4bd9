"""The administrator keeps Kuaidi100's carrier codes (which of our carriers ``yuantong`` is)
and reads what arrived: every push kept raw, refused ones and unknown waybills among them.
Payloads are evidence: read-only here."""

from django.contrib import admin

from aftersales.tracking.models import CarrierAlias, TrackingPayload


@admin.register(CarrierAlias)
class CarrierAliasAdmin(admin.ModelAdmin):
    list_display = ("system", "code", "carrier")
    list_filter = ("system", "carrier")
    search_fields = ("code", "carrier__name", "carrier__code")


@admin.register(TrackingPayload)
class TrackingPayloadAdmin(admin.ModelAdmin):
    list_display = (
        "received_at",
        "source",
        "carrier_code",
        "waybill_no",
        "signature_ok",
        "shipment_id",
        "events_new",
        "error",
    )
    list_filter = ("source", "signature_ok", ("shipment_id", admin.EmptyFieldListFilter))
    search_fields = ("waybill_no", "error")
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in TrackingPayload._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
