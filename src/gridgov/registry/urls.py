"""Pages of the registry: the auditors' access log (the registry's search pages belong to the console)."""

from django.urls import path

from gridgov.registry import views

app_name = "registry"
urlpatterns = [
    path("registry/access-log/", views.access_log_page, name="access-log"),
]
