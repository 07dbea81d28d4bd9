import datetime as dt

from django import template
from django.utils.translation import gettext as _

from aftersales.core.privacy import mask_phone, mask_street

register = template.Library()


def _span(delta: dt.timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s小时%(m)s分") % {"h": hours, "m": mins}
    return _("%(m)s分钟") % {"m": mins}


@register.inclusion_tag("core/_countdown.html")
def countdown(due_at, now):
    """Time left until a deadline, or how long it has been overdue."""
    if due_at is None:
        return {"state": "none"}
    delta = due_at - now
    if delta.total_seconds() < 0:
        return {"state": "overdue", "text": _span(delta), "due_at": due_at}
    state = "soon" if delta < dt.timedelta(hours=24) else "ok"
    return {"state": state, "text": _span(delta), "due_at": due_at}


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def masked_street(value: str) -> str:
    return mask_street(value or "")
