app_name = "parcels"
urlpatterns: list = []
