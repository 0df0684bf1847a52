"""/open311/v2/ (GeoReport v2): every endpoint as .json and .xml; service/{code} is the singular alias some
clients (python open311 1.1) call; anything else below /open311/ is the spec's 404."""

from django.urls import re_path

from gridgov.open311 import views

app_name = "open311"

F = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^open311/v2/discovery" + F, views.discovery, name="discovery"),
    re_path(r"^open311/v2/services" + F, views.services, name="services"),
    re_path(r"^open311/v2/services?/(?P<code>[^/]+?)" + F, views.definition, name="definition"),
    re_path(r"^open311/v2/requests" + F, views.requests, name="requests"),
    re_path(r"^open311/v2/requests/(?P<number>[^/]+?)" + F, views.one_request, name="request"),
    re_path(r"^open311/v2/tokens/(?P<token>[^/]+?)" + F, views.token, name="token"),
    re_path(r"^open311/(?P<rest>.*?)(?:\.(?P<fmt>json|xml))?$", views.unknown, name="unknown"),
]
