from django.contrib import admin

from aftersales.logistics.models import Carrier

admin.site.register(Carrier)
