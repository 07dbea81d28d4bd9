from aftersales.accounts.permissions import Perm, has_perm


def menu(request):
    """What the menu offers beyond every user's pages: the contact-reveal log, to those who may
    read it. Nothing (and no query) for anonymous users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_read_reveal_log": has_perm(user, Perm.REVEAL_LOG_READ)}
