import datetime as dt

from aftersales.core.models import WorkdayOverride


def workday_overrides() -> dict[dt.date, bool]:
    """The administrator's working-day overrides; a few dozen rows at most."""
    return dict(WorkdayOverride.objects.values_list("date", "is_workday"))
