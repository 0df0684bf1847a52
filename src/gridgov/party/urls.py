"""Pages of the party layer: the console (/console/party/) and the member's answer (报到) from 我的工作台."""

from django.urls import path

from gridgov.party import views

app_name = "party"
urlpatterns = [
    path("console/party/", views.console, name="console"),
    path("console/party/calls/", views.open_call, name="open-call"),
    path("console/party/calls/<int:pk>/close/", views.close_call, name="close-call"),
    path("console/party/answers/<int:pk>/hours/", views.record_hours, name="hours"),
    path("party/calls/<int:pk>/answer/", views.answer, name="answer"),
]
