from django import template

from aftersales.accounts.permissions import Perm, has_perm

register = template.Library()


@register.filter
def may_read_reports(user) -> bool:
    """Whether the menu shows the scorecard (REPORT_VIEW)."""
    return bool(getattr(user, "is_authenticated", False)) and has_perm(user, Perm.REPORT_VIEW)
