"""Problem parcels (§2): out of area, blind area, stranded, refused, returning; a case kind
of the core."""
