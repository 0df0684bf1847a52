"""Pages of the assessment: the leader's dashboard, the public rankings, the monthly report."""

from django.urls import path

from gridgov.assessment import views

app_name = "assessment"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/report.xlsx", views.monthly_report, name="report"),
    path("rankings/", views.rankings, name="rankings"),
]
