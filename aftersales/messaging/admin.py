from django.contrib import admin

from aftersales.messaging.models import MessageTemplate

admin.site.register(MessageTemplate)
