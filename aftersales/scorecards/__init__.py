"""Carrier scorecards and penalties (§2): monthly figures, the penalty policy and its job."""
