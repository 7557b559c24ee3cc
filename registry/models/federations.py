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
