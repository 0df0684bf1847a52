from django.contrib import admin
from django.urls import include, path

from gridgov.api.urls import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("gridgov.assessment.urls")),
    path("", include("gridgov.web.urls")),
]
