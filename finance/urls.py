from django.urls import path

from finance import views

app_name = "finance"
urlpatterns = [
    path("", views.index, name="index"),
    path("statements/<str:code>/", views.statement, name="statement"),
    path("statements/<str:code>/pdf/", views.statement, {"fmt": "pdf"}, name="statement-pdf"),
    path("statements/<str:code>/json/", views.statement, {"fmt": "json"}, name="statement-json"),
    path("pcns/<str:code>/figures/", views.pcn_figures, name="pcn-figures"),
    path("<slug:slug>/", views.federation_home, name="federation"),
    path("<slug:slug>/settings/", views.settings_edit, name="settings"),
    path("<slug:slug>/services/", views.service_list, name="services"),
    path("<slug:slug>/services/new/", views.service_edit, name="service-new"),
    path("<slug:slug>/services/<slug:code>/", views.service_detail, name="service"),
    path("<slug:slug>/services/<slug:code>/edit/", views.service_edit, name="service-edit"),
    path(
        "<slug:slug>/services/<slug:code>/participants/add/",
        views.participation_add,
        name="participation-add",
    ),
    path(
        "<slug:slug>/services/<slug:code>/participants/<int:pk>/end/",
        views.participation_end,
        name="participation-end",
    ),
    path("<slug:slug>/contracts/", views.contract_list, name="contracts"),
    path("<slug:slug>/contracts/new/", views.contract_edit, name="contract-new"),
    path("<slug:slug>/contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("<slug:slug>/contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path(
        "<slug:slug>/contracts/<int:pk>/<str:part>/add/",
        views.contract_part,
        name="contract-part",
    ),
    path("<slug:slug>/documents/<int:pk>/", views.document_download, name="document"),
    path("<slug:slug>/activity/", views.activity, name="activity"),
    path("<slug:slug>/activity/record/", views.activity_entry, name="activity-record"),
    path(
        "<slug:slug>/activity/uploads/<int:pk>/",
        views.activity_upload,
        name="activity-upload",
    ),
    path("<slug:slug>/returns/", views.returns, name="returns"),
    path("<slug:slug>/settlements/<str:month>/", views.settlement, name="settlement"),
    path("<slug:slug>/settlements/<str:month>/income/", views.income_add, name="income-add"),
    path(
        "<slug:slug>/settlements/<str:month>/income/<int:pk>/",
        views.income_edit,
        name="income-edit",
    ),
    path(
        "<slug:slug>/settlements/<str:month>/income/<int:pk>/delete/",
        views.income_delete,
        name="income-delete",
    ),
    path("<slug:slug>/settlements/<str:month>/accrue/", views.income_accrue, name="accrue"),
    path("<slug:slug>/settlements/<str:month>/post/", views.settlement_post, name="post"),
    path(
        "<slug:slug>/settlements/<str:month>/remittance.csv",
        views.settlement_export,
        {"kind": "remittance"},
        name="remittance",
    ),
    path(
        "<slug:slug>/settlements/<str:month>/journal.csv",
        views.settlement_export,
        {"kind": "journal"},
        name="journal",
    ),
]
