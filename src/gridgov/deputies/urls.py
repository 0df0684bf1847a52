"""Pages of 人大代表进网格 (三单制)."""

from django.urls import path

from gridgov.deputies import views

app_name = "deputies"
urlpatterns = [
    path("deputies/", views.home, name="home"),
    path("deputies/office/", views.office_page, name="office"),
    path("deputies/needs/<str:number>/", views.need_page, name="need"),
]
