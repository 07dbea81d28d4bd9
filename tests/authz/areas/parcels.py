"""The parcels area's part of the walks (see tests/authz/areas/__init__.py)."""
