from django.urls import path

from gridgov.portal import views

app_name = "portal"
urlpatterns = [
    path("my/", views.home, name="home"),
    path("my/signin/", views.sign_in, name="sign-in"),
    path("my/signout/", views.sign_out, name="sign-out"),
]
