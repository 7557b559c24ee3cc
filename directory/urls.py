from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("", views.index, name="index"),
    path("networks/<slug:slug>/", views.network_detail, name="network"),
    path("networks/<slug:slug>/join/", views.join, name="join"),
    path("networks/<slug:slug>/requests/", views.requests, name="requests"),
    path("networks/<slug:slug>/board/new/", views.board_add, name="board_add"),
    path("networks/<slug:slug>/members/<slug:federation>/", views.member_detail, name="member"),
    path("requests/<int:pk>/decide/", views.decide, name="decide"),
    path("requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("board/<int:pk>/end/", views.board_end, name="board_end"),
    path("federations/<slug:slug>/", views.federation_directory, name="federation"),
    path("federations/<slug:slug>/contacts/new/", views.contact_new, name="contact_new"),
    path("federations/<slug:slug>/contacts.csv", views.contacts_export, name="contacts_csv"),
    path("federations/<slug:slug>/contacts/import/", views.contacts_import, name="contacts_import"),
    path("contacts/<int:pk>/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
]
