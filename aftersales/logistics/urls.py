app_name = "logistics"
urlpatterns: list = []
