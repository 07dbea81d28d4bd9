"""How a walk calls an operation or opens a page: shared by the role walks
(tests/authz/test_api_roles.py, test_pages_roles.py), the outsider's walk
(tests/api/test_outsider.py) and each area's part of them (tests/authz/areas/)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    """How one operation is called, and what a role the table allows gets."""

    ids: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    multipart: dict[str, Any] | None = None
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    auth: bool = True
    ok: int = 200
    # A domain refusal an allowed role meets instead (the role check came first and passed).
    ok_code: str | None = None
    # The kind of the case a case action acts on: its registered roles decide.
    kind: str | None = None
    # What an allowed role must find in the answer (a read: the shop's record).
    shows: Callable[[Any], bool] | None = None


@dataclass
class Visit:
    """One page with fresh records behind it, and what a role the table allows gets."""

    url: str
    data: dict[str, Any] = field(default_factory=dict)
    ok: int = 200
    # Where an allowed POST goes, or the domain refusal it meets instead (said on the page).
    ok_says: str = ""
    # The kind of the case an action acts on: its registered roles decide.
    kind: str | None = None
    # What shows the shop's record: an allowed GET shows it, the outsider never sees it.
    secret: str = ""
    shown: bool = True
    # What the outsider gets: "404" (a record of the shop), "hidden" (their own page, nothing
    # of the shop on it) or "refused" (a form naming the shop, refused without a write).
    outsider: str = "404"
    # Sent as the page sends it: the case page's actions, the approvals' decisions and the
    # like are htmx posts, and a refusal is said in the fragment that comes back.
    htmx: bool = False


@dataclass
class OutsiderCall:
    """How the outsider calls one operation, and what it must get."""

    expect: str  # "404", or "empty": 2xx with nothing of shop A in it
    json: Any = None
    multipart: dict[str, Any] | None = None
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    auth: bool = True
