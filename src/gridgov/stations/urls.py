"""Pages of the service stations (3671 便民服务) for staff."""

from django.urls import path

from gridgov.stations import views

app_name = "stations"
urlpatterns = [
    path("stations/", views.index, name="index"),
    path("stations/<int:station_id>/", views.station_page, name="station"),
    path("stations/offerings/<int:offering_id>/", views.offering_page, name="offering"),
]
