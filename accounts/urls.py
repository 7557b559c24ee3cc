from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("account/", views.account, name="account"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/tokens/", views.token_create, name="token-create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("people/", views.people, name="people"),
    path("people/roles/<int:pk>/end/", views.grant_end, name="grant-end"),
    path("people/<int:pk>/deactivate/", views.user_deactivate_view, name="user-deactivate"),
    path("people/<int:pk>/unlock/", views.user_unlock, name="user-unlock"),
    path(
        "people/invitations/<int:pk>/revoke/",
        views.invitation_revoke_view,
        name="invitation-revoke",
    ),
    path(
        "people/invitations/<int:pk>/resend/",
        views.invitation_resend_view,
        name="invitation-resend",
    ),
    path("invitation/<str:token>/", views.accept, name="accept"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("account/recovery-codes/", views.recovery_codes, name="recovery-codes"),
]
