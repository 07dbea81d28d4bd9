"""Writes of returns, exchanges, refusals, compensation and the refund ledger."""

from aftersales.returns.services.flows import *  # noqa: F403
from aftersales.returns.services.refunds import *  # noqa: F403
