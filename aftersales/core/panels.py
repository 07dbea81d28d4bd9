"""Panels an area adds to a page of a lower layer — the order page, the case page — without
that layer importing the area: the courier area adds the routing decision and the tracking
line to the order page, the tracking line to the case page.

An area registers in its ``AppConfig.ready()``::

    register_panel("order", Panel(name="routing", position=10,
                                  template="logistics/_order_routing.html",
                                  context=routing_panel))

``context(request, obj)`` returns the template's context, or ``None`` when the panel has
nothing to show for this record or this person. The page renders each panel's template with
the page's own context plus ``panel`` (the returned dict).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PAGES = ("order", "case")


@dataclass(frozen=True)
class Panel:
    name: str
    position: int
    template: str
    context: Callable[[Any, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Shown:
    template: str
    context: dict[str, Any]


_PANELS: dict[str, dict[str, Panel]] = {page: {} for page in PAGES}


def register_panel(page: str, panel: Panel) -> None:
    if page not in _PANELS:
        raise ValueError(f"no page {page!r} takes panels; pages: {PAGES}")
    _PANELS[page][panel.name] = panel


def panels_for(page: str, request: Any, obj: Any) -> list[Shown]:
    shown = []
    for panel in sorted(_PANELS[page].values(), key=lambda p: (p.position, p.name)):
        context = panel.context(request, obj)
        if context is not None:
            shown.append(Shown(panel.template, context))
    return shown
