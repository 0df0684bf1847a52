from django.urls import include, path

from gridgov.web import content_policy, media, track, views

app_name = "web"
urlpatterns = [
    path("", views.grid_map, name="map"),
    path("report/", views.report, name="report"),
    path("report/categories.json", views.categories, name="categories"),
    path("track/", track.track, name="track"),
    path("media/cases/<str:number>/<slug:upload_id>/", media.case_photo, name="case-photo"),
    path(
        "media/cases/<str:number>/<slug:upload_id>/thumb/", media.case_photo, {"thumb": True}, name="case-photo-thumb"
    ),
    path("media/uploads/<slug:upload_id>/", media.own_photo, name="own-photo"),
    path("board/<str:code>/", views.board, name="board"),
    path("csp-report/", content_policy.csp_report, name="csp-report"),
    path("", include("gridgov.web.staff_urls")),
]
