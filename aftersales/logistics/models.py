"""The courier area (§2 and §7 of the domain). Carriers themselves are reference data in
``aftersales.core.models.Carrier``."""
