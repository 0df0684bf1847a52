"""The supervisor's page (一聘三督), /oversight/."""

from django.urls import path

from gridgov.oversight import views

app_name = "oversight"
urlpatterns = [
    path("oversight/", views.home, name="home"),
]
