"""The register of interests: what each board member and decision-maker declares (on
appointment, within 28 days of a change, and every year in a round where a nil return is
allowed), and the declarations made on agenda items at a meeting."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from governance.models.members import Once


class Interest(models.Model):
    class Kind(models.TextChoices):
        FINANCIAL = "financial", "Financial"
        PROFESSIONAL = "non_financial_professional", "Non-financial professional"
        PERSONAL = "non_financial_personal", "Non-financial personal"
        INDIRECT = "indirect", "Indirect"

    class Occasion(models.TextChoices):
        APPOINTMENT = "appointment", "On appointment"
        CHANGE = "change", "On a change"
        ANNUAL = "annual", "Annual return"

    federation = models.ForeignKey(
        "registry.Federation", on_delete=models.PROTECT, related_name="interests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interests"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    party = models.CharField(max_length=200, help_text="The company, body or person.")
    description = models.CharField(max_length=500)
    start_date = models.DateField("from")
    end_date = models.DateField("to", null=True, blank=True)
    occasion = models.CharField(max_length=12, choices=Occasion.choices)
    declared_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["federation", "user__full_name", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="interest_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.party}"


class InterestRound(models.Model):
    """The yearly round: every board member and decision-maker is asked to confirm their
    interests (or make a nil return) by ``due_on``."""

    federation = models.ForeignKey(
        "registry.Federation", on_delete=models.PROTECT, related_name="interest_rounds"
    )
    year = models.PositiveSmallIntegerField()
    opened_on = models.DateField()
    due_on = models.DateField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["federation", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "year"], name="one_round_a_year"),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("opened_on")), name="round_due_after_it_opens"
            ),
        ]

    def __str__(self) -> str:
        return f"Declarations of interest {self.year}"


class InterestReturn(Once):
    """A person's return in a round: their interests confirmed, or a nil return."""

    round = models.ForeignKey(InterestRound, on_delete=models.PROTECT, related_name="returns")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    nil = models.BooleanField(default=False, help_text="No interests to declare.")
    returned_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="one_return_a_round")]

    def __str__(self) -> str:
        return f"{self.user} for {self.round}"


class ItemDeclaration(Once):
    """An interest declared on an agenda item at a meeting, recorded in the minutes. A
    conflicted member is left out of that item's quorum and vote."""

    item = models.ForeignKey(
        "governance.AgendaItem", on_delete=models.PROTECT, related_name="declarations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    interest = models.ForeignKey(
        Interest, null=True, blank=True, on_delete=models.PROTECT, related_name="declarations"
    )
    note = models.CharField(max_length=500)
    conflicted = models.BooleanField(
        default=True, help_text="Left out of the item's quorum and vote."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="one_declaration_an_item")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.item}"
