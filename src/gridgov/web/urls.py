from django.urls import include, path

from gridgov.web import views

app_name = "web"
urlpatterns = [
    path("", views.grid_map, name="map"),
    path("report/", views.report, name="report"),
    path("report/categories.json", views.categories, name="categories"),
    path("track/", views.track, name="track"),
    path("board/<str:code>/", views.board, name="board"),
    path("", include("gridgov.web.staff_urls")),
]
