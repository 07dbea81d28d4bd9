from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.returns.models import Refund


def refunds_for(user: User) -> QuerySet[Refund]:
    authorize(user, Perm.CASE_VIEW)
    return Refund.objects.filter(shop_id__in=user.shop_ids())
