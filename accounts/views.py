# Over 500 lines: sign-in, two-step codes, accounts, people, invitations and tokens; to become a
# views package by section, as finance's did.

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from accounts import permissions as perms
from accounts import services
from accounts.forms import (
    FEDERATION_INVITE_ROLES,
    AcceptInvitationForm,
    ApiTokenForm,
    InviteForm,
    OtpForm,
    PasswordResetRequestForm,
    SignInForm,
)
from accounts.models import ROLE_ORGANISATION, ApiToken, RoleGrant, User
from accounts.otp import (
    demo_code,
    has_device,
    otp_confirm,
    otp_verify,
    pending_device,
    qr_svg,
    recovery_codes_renew,
    secret_for_humans,
    wait_seconds,
)
from accounts.services import (
    INVITATION_DAYS,
    AccountError,
    api_token_create,
    api_token_revoke,
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_resend,
    invitation_revoke,
    password_changed,
    password_reset_complete,
    password_reset_request,
    role_end,
    user_deactivate,
)
from kernel.pages import refuse
from kernel.requests import client_ip
from registry.models import PCN, Practice, PracticePCN

_form_error = refuse  # a service's refusal shown on its field, as every form page does


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demo_users"] = _demo_accounts()
        return context


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Forgotten your password? The same page follows whatever address is entered."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password-reset-sent")

    def form_valid(self, form):
        try:
            password_reset_request(email=form.cleaned_data["email"], ip=client_ip(self.request))
        except AccountError as error:
            _form_error(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return redirect(self.success_url)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The emailed link: Django checks its token, which works once."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A deactivated account's link is no link: a reset never brings an account back.
        return user if user is not None and user.is_active else None

    def render_to_response(self, context, **response_kwargs):
        if not context.get("validlink"):
            response_kwargs["status"] = 404
        return super().render_to_response(context, **response_kwargs)

    def form_valid(self, form):
        password_reset_complete(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.success_url)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(user=self.request.user)
        messages.success(self.request, "Your password has been changed.")
        return response


def account(request):
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "accounts/account.html",
        {
            "grants": perms.scope_for(request.user).grants,
            "tokens": tokens,
            "token_form": ApiTokenForm(),
        },
    )


@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    new_token = None
    if form.is_valid():
        try:
            _, new_token = api_token_create(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except AccountError as error:
            _form_error(form, error)
    return render(
        request,
        "accounts/account.html",
        {
            "grants": perms.scope_for(request.user).grants,
            "tokens": ApiToken.objects.filter(user=request.user),
            "token_form": form if new_token is None else ApiTokenForm(),
            "new_token": new_token,
        },
    )


@require_http_methods(["GET", "POST"])
def token_revoke(request, pk: int):
    """Revoking a token confirms first: a page says what stops working; its POST revokes."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.revoked_at is not None:
        messages.error(request, f"The token {token.name} is already revoked.")
        return redirect("accounts:account")
    if request.method == "GET":
        return render(request, "accounts/token_revoke.html", {"token": token})
    api_token_revoke(token=token, by=request.user)
    messages.success(request, f"The token “{token.name}” has been revoked.")
    return redirect("accounts:account")


def _managed_federation(request):
    federations = perms.managed_federations(request.user)
    perms.require(federations.exists())
    slug = request.GET.get("federation") or request.POST.get("federation")
    if slug:
        return get_object_or_404(federations, slug=slug), federations
    return federations.first(), federations


def people(request):
    federation, federations = _managed_federation(request)
    form = InviteForm(
        request.POST if request.method == "POST" else None, roles=FEDERATION_INVITE_ROLES
    )
    link = form_email = None
    if request.method == "POST" and form.is_valid():
        form_email = form.cleaned_data["email"]
        organisation = _organisation_for(form, federation)
        if organisation is not None:
            try:
                _, link = invitation_create(
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    organisation=organisation,
                    invited_to=federation,
                    by=request.user,
                    base_url=request.build_absolute_uri("/"),
                )
            except AccountError as error:
                _form_error(form, error)
            else:
                messages.success(
                    request,
                    f"Invitation sent to {form.cleaned_data['email']}. "
                    f"It lasts {INVITATION_DAYS} days.",
                )
                form = InviteForm(roles=FEDERATION_INVITE_ROLES)
    grants = perms.federation_grants(federation).order_by("user__email", "role")
    locked = set(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).values_list("username", flat=True)
    )
    return render(
        request,
        "accounts/people.html",
        {
            "federation": federation,
            "federations": federations,
            "grants": grants,
            "locked": {e.lower() for e in locked if e},
            "deactivatable": {
                g.user_id
                for g in grants
                if g.user.is_active and perms.can_deactivate(request.user, g.user, federation)
            },
            "form": form,
            "invitations": federation.invitations.filter(
                accepted_at__isnull=True, revoked_at__isnull=True
            ).select_related("federation", "pcn", "practice")[:50],
            # Only an invitation to a demo address: a real person's link goes by email alone.
            "demo_link": link if link and _is_demo_address(form_email) else None,
        },
    )


def _demo_accounts() -> list[dict]:
    """The demo's accounts in demo mode (settings.DEMO_ACCOUNTS), none otherwise."""
    return import_string(settings.DEMO_ACCOUNTS) if settings.DEMO_MODE else []


def _is_demo_address(email: str | None) -> bool:
    domain = (email or "").lower().rpartition("@")[2]
    demo = settings.DEMO_EMAIL_DOMAIN
    return settings.DEMO_MODE and (domain == demo or domain.endswith("." + demo))


def _organisation_for(form, federation):
    """The organisation an invitation is for, which must be within the admin's federation."""

    kind = ROLE_ORGANISATION[form.cleaned_data["role"]]
    code = form.cleaned_data["organisation"].strip().upper()
    if kind == "federation":
        return federation
    # A member today, or from a day to come: a practice leaving on a date ahead (its end date
    # set) is a member until then; one that has left is not. A practice joining later is
    # refused by the service, which says from when the federation holds it.
    today = timezone.localdate()
    not_ended = Q(end_date__isnull=True) | Q(end_date__gte=today)
    practice_ids = federation.memberships.filter(not_ended).values("practice_id")
    if kind == "practice":
        practice = Practice.objects.filter(code=code, pk__in=practice_ids).first()
        if practice is None:
            form.add_error(
                "organisation", f"Enter the ODS code of a member practice of {federation}"
            )
        return practice
    spells = PracticePCN.objects.filter(not_ended, practice_id__in=practice_ids)
    pcn = PCN.objects.filter(code=code, pk__in=spells.values("pcn_id")).first()
    if pcn is None:
        form.add_error("organisation", f"Enter the ODS code of a PCN of {federation}'s practices")
    return pcn


def _back_to_people(federation):
    return redirect(reverse("accounts:people") + f"?federation={federation.slug}")


@require_http_methods(["GET", "POST"])
def grant_end(request, pk: int):
    """Ending a role confirms first: a page says whose role of which organisation ends from
    when, and works without JavaScript; only its POST ends the role."""
    federation, _ = _managed_federation(request)
    grant = get_object_or_404(perms.federation_grants(federation), pk=pk)
    today = timezone.localdate()
    end = max(today, grant.start_date)  # a role starting later ends the day it starts
    if grant.end_date is not None and grant.end_date <= end:
        messages.error(
            request,
            f"{grant.user}'s role as {grant.get_role_display()} already ends on "
            f"{grant.end_date:%-d %B %Y}.",
        )
        return _back_to_people(federation)
    if request.method == "GET":
        # their other roles within this federation (never what another federation granted)
        others = (
            perms.federation_grants(federation)
            .filter(user=grant.user, start_date__lte=today)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .exclude(pk=grant.pk)
        )
        return render(
            request,
            "accounts/grant_end.html",
            {"federation": federation, "grant": grant, "end": end, "others": others},
        )
    try:
        role_end(grant=grant, by=request.user, end_date=end, federation=federation)
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"{grant.user}'s role as {grant.get_role_display()} of {grant.organisation} ends "
            f"{'today, ' if end == today else 'on '}{end:%-d %B %Y}.",
        )
    return _back_to_people(federation)


@require_http_methods(["GET", "POST"])
def user_deactivate_view(request, pk: int):
    """Deactivating a person confirms first: a page says that they can no longer sign in,
    that their sessions and API tokens stop at once and which of their roles end; only its
    POST deactivates."""
    federation, _ = _managed_federation(request)
    person = get_object_or_404(
        User, pk=pk, pk__in=perms.federation_grants(federation).values("user_id")
    )
    perms.require(perms.can_deactivate(request.user, person, federation))
    if not person.is_active:
        messages.error(request, f"{person} is already deactivated.")
        return _back_to_people(federation)
    if request.method == "GET":
        today = timezone.localdate()
        return render(
            request,
            "accounts/user_deactivate.html",
            {
                "federation": federation,
                "person": person,
                "today": today,
                "roles": RoleGrant.objects.filter(user=person, through=federation)
                .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
                .select_related("federation", "pcn", "practice"),
                "tokens": ApiToken.objects.filter(
                    user=person, revoked_at__isnull=True, expires_at__gt=timezone.now()
                ).count(),
            },
        )
    try:
        user_deactivate(user=person, by=request.user, federation=federation)
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{person} can no longer sign in.")
    return _back_to_people(federation)


def _pending_invitation(request, pk: int):
    """One of the federation's invitations, for its administrators alone: another
    federation's is not found."""
    federation, _ = _managed_federation(request)
    return federation, get_object_or_404(
        federation.invitations.select_related("federation", "pcn", "practice"), pk=pk
    )


@require_POST
def invitation_revoke_view(request, pk: int):
    federation, invitation = _pending_invitation(request, pk)
    try:
        invitation_revoke(invitation=invitation, by=request.user)
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"The invitation to {invitation.email} is revoked: its link no longer works."
        )
    return _back_to_people(federation)


@require_POST
def invitation_resend_view(request, pk: int):
    federation, invitation = _pending_invitation(request, pk)
    try:
        _, link = invitation_resend(
            invitation=invitation, by=request.user, base_url=request.build_absolute_uri("/")
        )
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"A new invitation has been sent to {invitation.email}. It lasts {INVITATION_DAYS} "
            "days; the link sent before no longer works.",
        )
        if _is_demo_address(invitation.email):
            messages.info(request, f"Demo mode: the new invitation link is {link}")
    return _back_to_people(federation)


@login_not_required
@never_cache  # names the person, role and organisation, behind a one-time link
def accept(request, token: str):
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                raw_token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except AccountError as error:
            _form_error(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to gpfed.")
            return redirect("home")
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None and existing.has_usable_password():
        form.fields["password"].label = "Your current gpfed password"
        form.fields["password"].help_text = "You already have an account: this adds the role to it"
        form.fields["password_again"].label = "Your current password again"
    return render(request, "accounts/accept.html", {"form": form, "invitation": invitation})


def _next(request) -> str:
    target = request.GET.get("next") or request.POST.get("next") or reverse("home")
    # a path on this site (a bare word would be taken for the name of a URL pattern)
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}
    ):
        return reverse("home")
    return target


def two_factor(request):
    """The second step of signing in: set up an authenticator, or give its code."""
    if request.user.is_verified():
        return redirect(_next(request))
    form = OtpForm(request.POST if request.method == "POST" else None)
    enrolled = has_device(request.user)
    device = None if enrolled else pending_device(request.user)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        wait = wait_seconds(
            list(devices_for_user(request.user, confirmed=True)) if enrolled else [device]
        )
        if wait:
            form.add_error(
                "code", f"Too many wrong codes: wait {wait} seconds, then enter a new code"
            )
        elif enrolled:
            matched = otp_verify(request.user, code)
            if matched is not None:
                otp_login(request, matched)
                return redirect(_next(request))
            form.add_error("code", "The code is not right. Check your app and try again")
        else:
            codes = otp_confirm(user=request.user, device=device, code=code)
            if codes is not None:
                otp_login(request, device)
                return render(
                    request,
                    "accounts/recovery_codes.html",
                    {"codes": codes, "next": _next(request)},
                )
            form.add_error(
                "code", "The code is not right. Check the time on your phone and try again"
            )
    context = {"form": form, "enrolled": enrolled, "next": _next(request)}
    if device is not None:
        context.update(qr=qr_svg(device), secret=secret_for_humans(device))
    if request.user.email in {u["email"] for u in _demo_accounts()} and enrolled:
        demo = demo_code(request.user)
        if demo is not None:
            context.update(demo_code=demo.code, demo_next_step=demo.next_step, demo_wait=demo.wait)
    return render(request, "accounts/two_factor.html", context)


@require_POST
def recovery_codes(request):
    perms.require(request.user.is_verified())
    codes = recovery_codes_renew(user=request.user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": reverse("accounts:account")},
    )


@require_POST
def user_unlock(request, pk: int):
    """Lift a lockout after too many failed sign-ins."""
    federation, _ = _managed_federation(request)
    person = get_object_or_404(
        User, pk=pk, pk__in=perms.federation_grants(federation).values("user_id")
    )
    perms.require(perms.can_manage_person(request.user, person, federation))
    services.user_unlock(person=person, federation=federation, by=request.user)
    messages.success(request, f"{person} can sign in again.")
    return redirect(reverse("accounts:people") + f"?federation={federation.slug}")
