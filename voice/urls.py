from django.urls import path

from voice import views

app_name = "voice"

urlpatterns = [
    path("", views.index, name="index"),
    path("federations/<slug:slug>/", views.federation, name="federation"),
    path(
        "federations/<slug:slug>/consultations/new/",
        views.consultation_new,
        name="consultation_new",
    ),
    path("networks/<slug:slug>/", views.network, name="network"),
    path(
        "networks/<slug:slug>/consultations/new/",
        views.network_consultation_new,
        name="network_consultation_new",
    ),
    path("consultations/<int:pk>/", views.consultation, name="consultation"),
    path("consultations/<int:pk>/questions/new/", views.question_new, name="question_new"),
    path("consultations/<int:pk>/open/", views.consultation_open, name="open"),
    path("consultations/<int:pk>/answer/<str:org>/", views.answer, name="answer"),
    path("consultations/<int:pk>/remind/", views.remind, name="remind"),
    path("consultations/<int:pk>/results/", views.results, name="results"),
    path("consultations/<int:pk>/results.csv", views.results_csv, name="results_csv"),
    path("consultations/<int:pk>/summary.pdf", views.results_pdf, name="results_pdf"),
    path("consultations/<int:pk>/outcome/", views.outcome, name="outcome"),
    path("federations/<slug:slug>/programme/", views.programme, name="programme"),
    path(
        "federations/<slug:slug>/programme/milestones/new/",
        views.milestone_new,
        name="milestone_new",
    ),
    path("programme/milestones/<int:pk>/", views.milestone_edit, name="milestone"),
    path(
        "federations/<slug:slug>/programme/practices/<str:code>/",
        views.engagement,
        name="engagement",
    ),
    path("federations/<slug:slug>/programme/meetings/new/", views.attendance, name="attendance"),
]
