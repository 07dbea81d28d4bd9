"""Carrier tracking (§2): pushes and polls of courier events, kept raw, normalised and
applied to shipments."""
