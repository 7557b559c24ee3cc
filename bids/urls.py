from django.urls import path

from bids import views

app_name = "bids"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.pipeline, name="pipeline"),
    path("<slug:slug>/history/", views.history, name="history"),
    path("<slug:slug>/new/", views.opportunity_new, name="new"),
    path("<slug:slug>/import/", views.import_notices, name="import"),
    path("<slug:slug>/<int:pk>/", views.opportunity, name="opportunity"),
    path("<slug:slug>/<int:pk>/edit/", views.opportunity_edit, name="edit"),
    path("<slug:slug>/<int:pk>/criteria/", views.criteria, name="criteria"),
    path("<slug:slug>/<int:pk>/documents/", views.document_add, name="document_add"),
    path("<slug:slug>/<int:pk>/stage/", views.stage, name="stage"),
    path("<slug:slug>/<int:pk>/decision/", views.decision, name="decision"),
    path("<slug:slug>/<int:pk>/won/", views.won, name="won"),
    path("<slug:slug>/<int:pk>/lost/", views.lost, name="lost"),
    path("<slug:slug>/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<slug:slug>/<int:pk>/ask/", views.ask, name="ask"),
    path("<slug:slug>/<int:pk>/commitment/", views.commitment, name="commitment"),
]
