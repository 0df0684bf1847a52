"""Pages of points: the 爱心超市 counter (staff) and the public 积分榜."""

from django.urls import path

from gridgov.points import views

app_name = "points"
urlpatterns = [
    path("console/points/counter/", views.counter, name="counter"),
    path("console/points/shelf/", views.shelf, name="shelf"),
    path("points/board/<str:community>/", views.board, name="board"),
]
