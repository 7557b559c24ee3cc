from django.urls import path

from comms import views

app_name = "comms"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("preferences/", views.preferences, name="preferences"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/edit", views.bulletin_edit, name="edit"),
    path("bulletins/<int:pk>/send", views.bulletin_send, name="send"),
    path("bulletins/<int:pk>/correct", views.bulletin_correct, name="correct"),
    path("bulletins/<int:pk>/files", views.bulletin_file_add, name="file_add"),
    path("bulletins/<int:pk>/files/<int:file>", views.bulletin_file, name="file"),
    path(
        "bulletins/<int:pk>/files/<int:file>/remove",
        views.bulletin_file_remove,
        name="file_remove",
    ),
    path("events/", views.event_list, name="events"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/edit", views.event_edit, name="event_edit"),
    path("events/<int:pk>/cancel", views.event_cancel, name="event_cancel"),
    path("unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("events/<int:pk>/materials", views.material_add, name="material_add"),
    path("events/<int:pk>/materials/<int:material>", views.material_download, name="material"),
    path("library/", views.library_index, name="library"),
    path("library/<int:pk>/", views.resource_detail, name="resource"),
    path("library/<int:pk>/v<int:number>", views.resource_download, name="resource_file"),
    path("<str:kind>/<slug:slug>/events/new", views.event_new, name="event_new"),
    path("<str:kind>/<slug:slug>/library/new", views.resource_new, name="resource_new"),
    path("<str:kind>/<slug:slug>/email", views.mail_settings, name="mail_settings"),
    path("<str:kind>/<slug:slug>/", views.archive, name="archive"),
    path("<str:kind>/<slug:slug>/new", views.bulletin_new, name="new"),
]
