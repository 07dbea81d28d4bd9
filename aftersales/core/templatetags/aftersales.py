import datetime as dt

from django import template
from django.utils.translation import gettext as _

from aftersales.core.privacy import mask_phone, mask_street
from aftersales.core.workdays import span_confirmed

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
def countdown(due_at, now, start=None):
    """Time left until a deadline, or how long it has been overdue; marked unconfirmed when a
    year its span touches (``start``, the case's creation or the rule's start, to ``due_at``;
    only ``due_at``'s year when no start is given) has no published holiday calendar yet."""
    if due_at is None:
        return {"state": "none"}
    unconfirmed = not span_confirmed(due_at if start is None else start, due_at)
    delta = due_at - now
    if delta.total_seconds() < 0:
        state = "overdue"
    else:
        state = "soon" if delta < dt.timedelta(hours=24) else "ok"
    return {"state": state, "text": _span(delta), "due_at": due_at, "unconfirmed": unconfirmed}


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def masked_street(value: str) -> str:
    return mask_street(value or "")
