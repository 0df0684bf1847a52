"""Pages of deliberation: the staff page (/deliberation/) and each matter's public page."""

from django.urls import path

from gridgov.deliberation import views

app_name = "deliberation"
urlpatterns = [
    path("deliberation/", views.staff, name="staff"),
    path("deliberation/open/", views.open_matter, name="open"),
    path("deliberation/<int:pk>/opinions/open/", views.opinions, {"action": "open"}, name="opinions-open"),
    path("deliberation/<int:pk>/opinions/close/", views.opinions, {"action": "close"}, name="opinions-close"),
    path("deliberation/<int:pk>/rounds/", views.record_round, name="round"),
    path("deliberation/<int:pk>/publish/decision/", views.publish, {"kind": "decision"}, name="publish-decision"),
    path("deliberation/<int:pk>/publish/result/", views.publish, {"kind": "result"}, name="publish-result"),
    path("deliberation/matters/<int:pk>/", views.public, name="public"),
]
