"""Pages for staff, signed in with a session: the dispatcher console, the department queue and the
grid worker's phone pages."""

from django.urls import path

from gridgov.web import (
    audit,
    console_case,
    console_hotline,
    console_pick,
    console_queue,
    dept,
    home,
    inbox,
    mobile,
    mobile_patrol,
    signin,
    tokens,
)

urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("logout/", signin.SignOutView.as_view(), name="logout"),
    path("home/", home.home, name="home"),
    path("console/", console_queue.queue, name="console"),
    path("console/export.xlsx", console_queue.export, name="console-export"),
    path("console/batch-dispatch/", console_queue.batch_dispatch, name="console-batch-dispatch"),
    path("console/hotline/", console_hotline.hotline, name="console-hotline"),
    path("console/pick/grids/", console_pick.pick_grids, name="console-pick-grids"),
    path("console/pick/categories/", console_pick.pick_categories, name="console-pick-categories"),
    path("console/pick/units/", console_pick.pick_units, name="console-pick-units"),
    path("console/cases/<str:number>/", console_case.case_page, name="console-case"),
    path("dept/", dept.queue, name="dept"),
    path("dept/cases/<str:number>/", dept.case_page, name="dept-case"),
    path("m/", mobile.home, name="m"),
    path("m/report/", mobile.report, name="m-report"),
    path("m/patrol/", mobile_patrol.patrol, name="m-patrol"),
    path("m/cases/<str:number>/", mobile.case_page, name="m-case"),
    path("m/sw.js", mobile.service_worker, name="m-sw"),
    path("m/manifest.webmanifest", mobile.manifest, name="m-manifest"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("audit/", audit.audit_page, name="audit"),
    path("inbox/read/", inbox.mark_read, name="inbox-read"),
    path("inbox/badge/", inbox.badge, name="inbox-badge"),
    path("account/tokens/", tokens.tokens_page, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", tokens.revoke, name="token-revoke"),
]
