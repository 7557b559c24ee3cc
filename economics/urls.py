from django.urls import path

from economics import views

app_name = "economics"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.scenario_list, name="list"),
    path("<slug:slug>/new/", views.scenario_new, name="new"),
    path("scenarios/<int:pk>/", views.scenario_latest, name="scenario"),
    path("scenarios/<int:pk>/versions/new/", views.version_new, name="version_new"),
    path("versions/<int:pk>/", views.version_page, name="version"),
    path("versions/<int:pk>/recompute/", views.recompute, name="recompute"),
    path("versions/<int:pk>/share/", views.share, name="share"),
    path("versions/<int:pk>/results.pdf", views.version_pdf, name="pdf"),
]
