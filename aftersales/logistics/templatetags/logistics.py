"""``{% if user|may:"carrier.manage" %}``: whether the user's roles hold a permission of the
table, for the menu and the pages' links (the views and services check again)."""

from django import template

from aftersales.accounts.permissions import Perm, has_perm

register = template.Library()


@register.filter
def may(user, perm: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return has_perm(user, Perm(perm))
