from django.contrib import admin

from aftersales.core.models import Carrier, WorkdayOverride


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note")


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
