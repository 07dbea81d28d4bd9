"""The menu's link and count of open follow-ups, without a context processor of the watch's
own."""

from django import template

from aftersales.accounts.permissions import Perm, has_perm
from aftersales.watch.selectors import followup_queue_count

register = template.Library()


@register.simple_tag
def followup_menu(user) -> int | None:
    """The open follow-ups of the user's shops (one COUNT) for a role that works them; None
    (and no query) for anyone else."""
    if not getattr(user, "is_authenticated", False) or not has_perm(user, Perm.FOLLOWUP_WORK):
        return None
    return followup_queue_count(user)
