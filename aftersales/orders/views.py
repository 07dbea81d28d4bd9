from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aftersales.core.errors import PermissionDeniedError
from aftersales.orders import selectors
from aftersales.orders.services.contact import can_see_contact, contact_reveal


@login_required
def order_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    orders = list(selectors.order_search(user=request.user, q=q)[:50]) if q else []
    return render(request, "orders/search.html", {"orders": orders, "q": q})


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, order_id=order_id)
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "shipments": order.shipments.select_related("carrier"),
            "cases": order.cases.order_by("-created_at"),
            "can_see_contact": can_see_contact(request.user),
        },
    )


@login_required
def order_contact(request: HttpRequest, order_id: int) -> HttpResponse:
    """The unmasked phone and address, as an htmx fragment; every opening is logged."""
    if request.method != "POST":
        raise PermissionDenied
    order = selectors.order_get(user=request.user, order_id=order_id)
    try:
        contact = contact_reveal(user=request.user, order=order, via="workbench")
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    return render(request, "orders/_contact.html", {"contact": contact})
