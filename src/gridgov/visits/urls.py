"""Pages of household visits: the grid leader's care list and coverage (/visits/care/)."""

from django.urls import path

from gridgov.visits import views

app_name = "visits"
urlpatterns = [
    path("visits/care/", views.care_page, name="care"),
]
