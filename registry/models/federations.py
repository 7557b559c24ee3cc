from django.conf import settings
from django.db import models
from django.db.models import Q


class Federation(models.Model):
    """A GP federation: a company owned by its member practices. Not in ODS; created in gpfed."""

    class LegalForm(models.TextChoices):
        LTD = "ltd", "Private company limited by shares or guarantee (Ltd)"
        CIC = "cic", "Community interest company (CIC)"
        LLP = "llp", "Limited liability partnership (LLP)"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    legal_form = models.CharField(max_length=10, choices=LegalForm.choices, default="ltd")
    company_number = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FederationMembership(models.Model):
    """A practice's membership of a federation: joined on start_date, left after end_date."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="memberships")
    practice = models.ForeignKey(
        "registry.Practice", on_delete=models.PROTECT, related_name="federation_memberships"
    )
    start_date = models.DateField("joined")
    end_date = models.DateField("left", null=True, blank=True)
    join_reason = models.CharField(max_length=300, blank=True)
    leave_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["federation", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="federation_membership_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["practice", "start_date"])]

    def __str__(self) -> str:
        until = f" to {self.end_date:%-d %b %Y}" if self.end_date else ""
        return f"{self.practice} in {self.federation} from {self.start_date:%-d %b %Y}{until}"

    def covers(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class MembershipConsent(models.Model):
    """A federation's request to hold a practice for dates another federation already holds it
    for. A practice may belong to two federations, but only if it agrees: its practice manager
    (or the installation's administrator) accepts, and only then is the membership made."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for the practice"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="consent_requests"
    )
    practice = models.ForeignKey(
        "registry.Practice", on_delete=models.CASCADE, related_name="consent_requests"
    )
    start_date = models.DateField("joining")
    end_date = models.DateField("leaving", null=True, blank=True)
    join_reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    membership = models.OneToOneField(
        FederationMembership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent",
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "practice"],
                condition=Q(status="waiting"),
                name="one_waiting_consent_per_federation_practice",
            )
        ]

    def __str__(self) -> str:
        return f"{self.federation} asks to hold {self.practice} ({self.get_status_display()})"


class Network(models.Model):
    """A network of federations, such as the national Primary Care Federation Network."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NetworkMembership(models.Model):
    """A federation's membership of a network, dated."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="network_memberships"
    )
    start_date = models.DateField("joined")
    end_date = models.DateField("left", null=True, blank=True)

    class Meta:
        ordering = ["network", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="network_membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.federation_id} in {self.network_id} from {self.start_date}"
