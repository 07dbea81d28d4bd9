"""Throttled sign-in (django-axes, configured in config/settings/base.py): who the client is
behind the proxy, how many failures lock an account and how many an address, and what a
locked-out client is told: the login page says so, the API answers 429 ``locked_out`` with
Retry-After."""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from functools import cache

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Sum
from django.forms.utils import ErrorDict
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MSG_LOCKED = _(
    "登录失败次数过多，已暂时锁定：请 %(minutes)s 分钟后再试，或请管理员解锁。"
    "锁定期间即使密码正确也无法登录。"
)
LOCKED_CODE = "locked_out"


@cache
def _trusted_networks(raw: tuple[str, ...]) -> tuple[ipaddress._BaseNetwork, ...] | None:
    """The proxies of FORWARDED_ALLOW_IPS as networks; None for "*" (every address)."""
    if "*" in raw:
        return None
    networks = []
    for item in raw:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue
    return tuple(networks)


def _is_trusted(address: str) -> bool:
    networks = _trusted_networks(tuple(settings.FORWARDED_ALLOW_IPS))
    if networks is None:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str:
    """The client's address. A request from a trusted proxy is taken at the right-most address
    of X-Forwarded-For that is not itself a trusted proxy (nginx appends the address it saw,
    so what a client wrote there itself is further left and never believed)."""
    address = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 - no socket (tests)
    if not _is_trusted(address):
        return address
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        try:
            hop = str(ipaddress.ip_address(hop))
        except ValueError:
            break  # not an address: whoever wrote it is not believed beyond this point
        address = hop
        if not _is_trusted(hop):
            break
    return address


class AccountAndAddressHandler(AxesDatabaseHandler):
    """django-axes's database handler with two limits: an account is locked after
    AXES_FAILURE_LIMIT failures (from any address), an address after
    LOGIN_ADDRESS_FAILURE_LIMIT failures (on any accounts). axes compares one count with one
    limit, so the address's count is scaled to the account's limit: floor(n × account limit /
    address limit) reaches the account limit exactly when n reaches the address limit."""

    def get_failures(self, request, credentials=None) -> int:
        limit = get_failure_limit(request, credentials)
        address_limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
        counts = [0]
        parameters = get_lockout_parameters(request, credentials)
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            n = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if parameter == "ip_address":
                n = n * limit // address_limit
            counts.append(n)
        return max(counts)

    def lock_ends_at(self, request, credentials=None) -> dt.datetime | None:
        """When the lock lifts at the latest: the cool-off after the last failure counted."""
        last = None
        for attempts in self.get_user_attempts(request, credentials):
            latest = attempts.aggregate(at=Max("attempt_time"))["at"]
            if latest is not None and (last is None or latest > last):
                last = latest
        cool_off = get_cool_off(request)
        if last is None or cool_off is None:
            return None
        return last + cool_off


def retry_after(request, credentials=None) -> int:
    """Seconds until the client may try again (at least 1)."""
    handler = AccountAndAddressHandler()
    try:
        ends = handler.lock_ends_at(request, credentials)
    except AttributeError:  # a request axes never saw (no axes_ip_address)
        ends = None
    if ends is None:
        cool_off = get_cool_off(request) or dt.timedelta(minutes=15)
        return max(1, math.ceil(cool_off.total_seconds()))
    return max(1, math.ceil((ends - timezone.now()).total_seconds()))


def locked_message(seconds: int) -> str:
    return str(MSG_LOCKED % {"minutes": max(1, math.ceil(seconds / 60))})


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """What django-axes answers a sign-in refused for a lock (AXES_LOCKOUT_CALLABLE)."""
    seconds = retry_after(request, credentials)
    message = locked_message(seconds)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": LOCKED_CODE, "field": None, "message": message}, status=429
        )
    else:
        # The workbench's and the admin's login: the login page again, saying why.
        form = AuthenticationForm(request, data=request.POST or None)
        form._errors = ErrorDict({"__all__": form.error_class([message])})
        form.cleaned_data = {}
        response = render(
            request,
            "accounts/login.html",
            {"form": form, "next": request.POST.get("next", ""), "locked_out": True},
            status=429,
        )
    response["Retry-After"] = str(seconds)
    return response
