"""Pages of dispute mediation (三类三级一庭)."""

from django.urls import path

from gridgov.mediation import views

app_name = "mediation"
urlpatterns = [
    path("mediation/", views.dispute_list, name="list"),
    path("mediation/teams/", views.team_list, name="teams"),  # before <number>: "teams" is no dispute number
    path("mediation/<str:number>/", views.dispute_page, name="dispute"),
    path("mediation/<str:number>/agreement/", views.agreement_page, name="agreement"),
]
