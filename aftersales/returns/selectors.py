from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.models import User
from aftersales.approvals.models import Approval
from aftersales.returns.models import Refund


def refunds_for(user: User) -> QuerySet[Refund]:
    return Refund.objects.filter(shop_id__in=user.shop_ids())


def approvals_for(user: User) -> QuerySet[Approval]:
    return Approval.objects.filter(case__shop_id__in=user.shop_ids())
