"""Each area's part of the walks, so that an area teaches them its own operations, pages and
case actions in a module of its own (``tests/authz/areas/<app>.py``) instead of in the shared
files. A module may define any of:

``ACTION_PARAMS``   {action: params}: how the story and the role walks take each case action
``ACTION_STATES``   {action: (kind, [steps])}: a new case of the kind brought where it is offered
``OPENERS``         {kind: f(story) -> Case}: how the story opens a case of an area's kind
``STEPS``           {step: f(story, case)}: a step that is not a case action (an event, stock, …)
``API_OPERATIONS``  {(method, path): rule}
``api_calls()``     -> {(method, path): f(story, actor) -> Call}
``PAGES``           {(url name, method): rule}
``page_visits()``   -> {(url name, method): f(story, action) -> Visit}
``OUTSIDER_ACTION_PARAMS`` {action: params}
``outsider_ids(records)`` -> {path param: id of a record of shop A}
``outsider_calls(records)`` -> {(method, path): OutsiderCall}, for the outsider's walk.
"""

from __future__ import annotations

from typing import Any

from tests.authz.areas import logistics, parcels, scorecards, tracking, watch

AREAS = (logistics, tracking, parcels, watch, scorecards)


def merged(name: str) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for area in AREAS:
        value = getattr(area, name, None)
        if value is None:
            continue
        if callable(value):
            value = value()
        clash = set(out) & set(value)
        assert not clash, f"{area.__name__}.{name} repeats {clash}"
        out.update(value)
    return out


def merged_with(name: str, *args: Any) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for area in AREAS:
        fn = getattr(area, name, None)
        if fn is not None:
            out.update(fn(*args))
    return out
