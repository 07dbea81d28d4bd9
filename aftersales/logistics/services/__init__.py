"""The courier area's services (§2): coverage, contingency plans, priority revocations,
routing and address parsing. Other areas import the names below from here."""

from aftersales.logistics.services.address import ParsedAddress, parse_address
from aftersales.logistics.services.plans import contingency_plan_for
from aftersales.logistics.services.revocations import priority_restore, priority_revoke
from aftersales.logistics.services.routing import RouteDecision, Verdict, route_for

__all__ = [
    "ParsedAddress",
    "RouteDecision",
    "Verdict",
    "contingency_plan_for",
    "parse_address",
    "priority_restore",
    "priority_revoke",
    "route_for",
]
