from django.contrib import admin
from django.urls import include, path

from gridgov.http.api import api
from gridgov.web.signin import ThrottledAdminAuthenticationForm

admin.site.login_form = ThrottledAdminAuthenticationForm  # /admin/login/ is bounded like /login/
handler404 = "gridgov.core.middleware.not_found"  # API clients read a 404 in their own shape

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("gridgov.assessment.urls")),
    path("", include("gridgov.registry.urls")),
    path("", include("gridgov.visits.urls")),
    path("", include("gridgov.mediation.urls")),
    path("", include("gridgov.stations.urls")),
    path("", include("gridgov.deputies.urls")),
    path("", include("gridgov.deliberation.urls")),
    path("", include("gridgov.oversight.urls")),
    path("", include("gridgov.portal.urls")),
    path("", include("gridgov.party.urls")),
    path("", include("gridgov.points.urls")),
    path("", include("gridgov.open311.urls")),  # /open311/v2/ (GeoReport v2)
    path("", include("gridgov.web.urls")),
]
