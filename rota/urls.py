from django.urls import path

from rota import views

app_name = "rota"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.federation_home, name="federation"),
    path("<slug:slug>/plan", views.plan, name="plan"),
    path("<slug:slug>/runs/<int:pk>/", views.run_status, name="run"),
    path("<slug:slug>/sessions.csv", views.sessions_csv, name="sessions_csv"),
    path("<slug:slug>/sessions/add", views.session_add, name="session_add"),
    path("<slug:slug>/sessions/<int:pk>/edit", views.session_edit, name="session_edit"),
    path("<slug:slug>/sessions/<int:pk>/lock", views.session_lock, name="session_lock"),
    path("<slug:slug>/sessions/<int:pk>/delete", views.session_delete, name="session_delete"),
    path("<slug:slug>/sites/", views.site_list, name="sites"),
    path("<slug:slug>/sites/add", views.site_edit, name="site_add"),
    path("<slug:slug>/sites/<int:pk>/", views.site_week, name="site"),
    path("<slug:slug>/sites/<int:pk>/edit", views.site_edit, name="site_edit"),
    path("<slug:slug>/staff/", views.staff_list, name="staff"),
    path("<slug:slug>/staff/add", views.staff_edit, name="staff_add"),
    path("<slug:slug>/staff/import", views.availability_import, name="availability_import"),
    path("<slug:slug>/staff/<int:pk>/", views.person_week, name="person"),
    path("<slug:slug>/staff/<int:pk>/edit", views.staff_edit, name="staff_edit"),
    path("<slug:slug>/staff/<int:pk>/rota.ics", views.person_calendar, name="person_ics"),
    path(
        "<slug:slug>/staff/<int:pk>/availability", views.availability_add, name="availability_add"
    ),
    path("<slug:slug>/staff/<int:pk>/changes", views.change_add, name="change_add"),
    path("<slug:slug>/pcns/", views.pcn_list, name="pcns"),
    path("<slug:slug>/pcns/<int:pk>/agreed", views.agreed_add, name="agreed_add"),
    path("<slug:slug>/pcns/<str:code>/access/", views.pcn_access, name="pcn_access"),
    path("<slug:slug>/arrs/<str:code>/", views.arrs_claim, name="arrs"),
    path("<slug:slug>/arrs/<str:code>/claim.csv", views.arrs_csv, name="arrs_csv"),
    path("<slug:slug>/arrs/<str:code>/submit", views.arrs_submit, name="arrs_submit"),
]
