"""Pages for staff, signed in with a session: the dispatcher console, the department queue and the
grid worker's phone pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from gridgov.web import console, dept, mobile

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("console/", console.queue, name="console"),
    path("console/cases/<str:number>/", console.case_page, name="console-case"),
    path("dept/", dept.queue, name="dept"),
    path("dept/cases/<str:number>/", dept.case_page, name="dept-case"),
    path("m/", mobile.home, name="m"),
    path("m/report/", mobile.report, name="m-report"),
    path("m/cases/<str:number>/", mobile.case_page, name="m-case"),
    path("m/sw.js", mobile.service_worker, name="m-sw"),
    path("m/manifest.webmanifest", mobile.manifest, name="m-manifest"),
]
