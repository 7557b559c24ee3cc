from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class GpfedUserManager(UserManager):
    """Users sign in with their email address; the username is kept equal to it."""

    def _create_user(self, username, email, password, **extra_fields):
        email = self.normalize_email(email or username)
        return super()._create_user(email, email, password, **extra_fields)

    def create_user(self, email=None, password=None, **extra_fields):
        return super().create_user(email, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        return super().create_superuser(email, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in to gpfed, identified by email address."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = GpfedUserManager()

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.username = self.email
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    """What a person does, granted on one organisation. Each role belongs to one kind of
    organisation (``ROLE_ORGANISATION``)."""

    NETWORK_ADMIN = "network_admin", "Network administrator"
    FEDERATION_ADMIN = "federation_admin", "Federation administrator"
    FINANCE_LEAD = "finance_lead", "Finance lead"
    OPERATIONS_LEAD = "operations_lead", "Operations lead"
    COMMUNICATIONS_LEAD = "communications_lead", "Communications lead"
    BOARD_MEMBER = "board_member", "Board member"
    COMPANY_SECRETARY = "company_secretary", "Company secretary"
    PCN_CLINICAL_DIRECTOR = "pcn_clinical_director", "PCN clinical director"
    PRACTICE_MANAGER = "practice_manager", "Practice manager"
    PRACTICE_STAFF = "practice_staff", "Practice staff"


ROLE_ORGANISATION = {
    Role.NETWORK_ADMIN: "network",
    Role.FEDERATION_ADMIN: "federation",
    Role.FINANCE_LEAD: "federation",
    Role.OPERATIONS_LEAD: "federation",
    Role.COMMUNICATIONS_LEAD: "federation",
    Role.BOARD_MEMBER: "federation",
    Role.COMPANY_SECRETARY: "federation",
    Role.PCN_CLINICAL_DIRECTOR: "pcn",
    Role.PRACTICE_MANAGER: "practice",
    Role.PRACTICE_STAFF: "practice",
}

# Roles that must sign in with a one-time password as well as a password.
ROLES_NEEDING_OTP = {Role.FEDERATION_ADMIN, Role.FINANCE_LEAD, Role.COMPANY_SECRETARY}


class OnOrganisation(models.Model):
    """Points at exactly one organisation: a network, a federation, a PCN or a practice."""

    network = models.ForeignKey(
        "registry.Network", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    federation = models.ForeignKey(
        "registry.Federation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    pcn = models.ForeignKey(
        "registry.PCN", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    practice = models.ForeignKey(
        "registry.Practice", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def organisation(self):
        return self.network or self.federation or self.pcn or self.practice


class RoleGrant(OnOrganisation):
    """A role held by a person on one organisation from start_date to end_date inclusive."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=30, choices=Role.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    through = models.ForeignKey(
        "registry.Federation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The federation this role was granted within: the federation itself for a "
        "federation role; for a role on a practice or PCN, the federation holding it, whose "
        "data alone the role reaches, and only while that federation holds it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        network__isnull=False,
                        federation__isnull=True,
                        pcn__isnull=True,
                        practice__isnull=True,
                    )
                    | models.Q(
                        network__isnull=True,
                        federation__isnull=False,
                        pcn__isnull=True,
                        practice__isnull=True,
                    )
                    | models.Q(
                        network__isnull=True,
                        federation__isnull=True,
                        pcn__isnull=False,
                        practice__isnull=True,
                    )
                    | models.Q(
                        network__isnull=True,
                        federation__isnull=True,
                        pcn__isnull=True,
                        practice__isnull=False,
                    )
                ),
                name="role_grant_on_one_organisation",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="role_grant_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(network__isnull=False, through__isnull=True)
                | models.Q(network__isnull=True, through__isnull=False),
                name="role_grant_within_a_federation",
            ),
            models.CheckConstraint(
                condition=models.Q(federation__isnull=True)
                | models.Q(through=models.F("federation")),
                name="role_grant_federation_role_within_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} of {self.organisation}"

    def active_on(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class Invitation(OnOrganisation):
    """A one-time link, sent by email, that lets a person set a password and take up a role."""

    email = models.EmailField()
    role = models.CharField(max_length=30, choices=Role.choices)
    invited_to = models.ForeignKey(
        "registry.Federation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        help_text="The federation whose administrator sent it.",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text="When an administrator withdrew it: its link is dead."
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} as {self.get_role_display()}"

    @property
    def expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at <= timezone.now()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class PasswordResetRequest(models.Model):
    """One request for a password reset link, whatever the address: whether it has an account
    is never stored or shown. Counted per address and per IP to throttle requests, and kept
    for a day (the audit trail keeps each request for good)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    email = models.EmailField(help_text="As entered, in lower case.")
    ip = models.CharField(max_length=60, help_text="The IP address the request came from.")

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["email", "at"]), models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return self.email
