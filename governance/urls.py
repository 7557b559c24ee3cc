from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.home, name="home"),
    path("<slug:slug>/articles/", views.articles, name="articles"),
    path("<slug:slug>/members/", views.register, name="register"),
    path("<slug:slug>/members.csv", views.register_csv, name="register_csv"),
    path("<slug:slug>/members/<str:code>/", views.member_edit, name="member"),
    path("<slug:slug>/shares/", views.shares, name="shares"),
    path("<slug:slug>/shares/apply/", views.shares_apply, name="shares_apply"),
    path("<slug:slug>/resolutions/new/", views.resolution_new, name="resolution_new"),
    path("resolutions/<int:pk>/", views.resolution, name="resolution"),
    path("resolutions/<int:pk>/vote/", views.vote, name="vote"),
    path("resolutions/<int:pk>/paper/", views.paper_vote, name="paper_vote"),
]
