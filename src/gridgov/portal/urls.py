from django.urls import path

from gridgov.portal import bookings, needs, views

app_name = "portal"
urlpatterns = [
    path("my/", views.home, name="home"),
    path("my/signin/", views.sign_in, name="sign-in"),
    path("my/signout/", views.sign_out, name="sign-out"),
    path("my/needs/", needs.needs_page, name="needs"),
    path("my/services/", bookings.services_page, name="services"),
    path("my/services/<int:offering_id>/book/", bookings.book, name="book"),
    path("my/services/bookings/<int:booking_id>/cancel/", bookings.cancel, name="cancel-booking"),
]
