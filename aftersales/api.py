"""The REST API under /api/v1/: one NinjaAPI, each app adds its router."""

from ninja import NinjaAPI

api = NinjaAPI(title="AfterSales API", version="1", urls_namespace="api")
