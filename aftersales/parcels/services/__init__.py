"""Writes of problem parcels: opening (by hand, or by the system from tracking), the actions'
handlers, and keeping the open mirror in step."""

from aftersales.parcels.services.opening import problem_case_open, problem_case_open_from
from aftersales.parcels.services.system import problems_seen

__all__ = ["problem_case_open", "problem_case_open_from", "problems_seen"]
