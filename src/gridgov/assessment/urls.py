"""Pages of the assessment: the leader's dashboard, the public rankings, the monthly report."""

from django.urls import path

from gridgov.assessment import hotspot_views, reply_page, views

app_name = "assessment"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/replies/", reply_page.reply_quality, name="replies"),
    path("dashboard/report.xlsx", views.monthly_report, name="report"),
    path("dashboard/hotspots/", hotspot_views.hotspot_page, name="hotspots"),
    path("rankings/", views.rankings, name="rankings"),
]
