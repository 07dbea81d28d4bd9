from django.utils import timezone

from aftersales.core.workdays import year_confirmed


def calendar_status(request):
    year = timezone.localdate().year
    return {"calendar_year": year, "calendar_year_confirmed": year_confirmed(year)}
