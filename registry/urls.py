from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("practices/<str:code>/", views.practice_detail, name="practice"),
    path("practices/<str:code>/correct/", views.practice_correct_view, name="practice-correct"),
    path("practices/<str:code>/population/", views.practice_population, name="practice-population"),
    path("practices/<str:code>/consent/<int:pk>/", views.consent_decide, name="consent-decide"),
    path("pcns/<str:code>/", views.pcn_detail, name="pcn"),
    path("pcns/<str:code>/population/", views.pcn_population, name="pcn-population"),
    path("federations/", views.federation_list, name="federations"),
    path("federations/new/", views.federation_new, name="federation-new"),
    path("federations/<slug:slug>/", views.federation_detail, name="federation"),
    path("federations/<slug:slug>/members/add/", views.membership_add, name="membership-add"),
    path(
        "federations/<slug:slug>/members/<int:pk>/end/",
        views.membership_end,
        name="membership-end",
    ),
    path(
        "federations/<slug:slug>/members/<int:pk>/leaving/",
        views.membership_end_change,
        name="membership-end-change",
    ),
    path(
        "federations/<slug:slug>/consent/<int:pk>/withdraw/",
        views.consent_withdraw,
        name="consent-withdraw",
    ),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
]
