from django.contrib import admin

from aftersales.orders.models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "shop",
        "sku_code",
        "title",
        "seven_day_eligible",
        "seven_day_exclusion",
        "warranty_months",
        "stock",
    )
    list_filter = ("shop", "seven_day_eligible")
    search_fields = ("sku_code", "title")
