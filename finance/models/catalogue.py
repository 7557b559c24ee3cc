"""The catalogue: how income is shared, the federation's finance settings, the services it
delivers and the practices and PCNs that take part in each."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from registry.models import PCN, Federation, Practice


class Rule(models.TextChoices):
    """How an income line is shared between practices."""

    EQUAL = "equal", "Equal shares"
    FIXED = "fixed", "Fixed amounts"
    PERCENT = "percent", "Percentages"
    REGISTERED = "registered", "By registered list"
    WEIGHTED = "weighted", "By weighted population"
    ADJUSTED = "adjusted", "By adjusted population"
    ACTIVITY = "activity", "By activity delivered"
    POINTS = "points", "By points"


RULES_WITH_SHARES = {Rule.FIXED, Rule.PERCENT, Rule.POINTS}


class FinanceSettings(models.Model):
    """A federation's standing choices for its settlements: the overhead top-slice it keeps
    and the account codes its journal uses."""

    federation = models.OneToOneField(
        Federation, on_delete=models.CASCADE, related_name="finance_settings"
    )
    overhead_percent = models.DecimalField(
        "overhead top-slice (%)",
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text="The share of every income line the federation keeps for its running costs.",
    )
    bank_account = models.CharField(max_length=20, default="1200")
    accrued_income_account = models.CharField(max_length=20, default="1210")
    due_to_practices_account = models.CharField(max_length=20, default="2100")
    income_account = models.CharField(max_length=20, default="4000")
    distributions_account = models.CharField(max_length=20, default="5100")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Finance settings of {self.federation}"


class Service(models.Model):
    """A service the federation delivers at scale for its practices, with what it costs the
    federation and what it would cost one practice to do it alone."""

    class Level(models.TextChoices):
        PRACTICE = "practice", "Practice"
        PCN = "pcn", "PCN"
        FEDERATION = "federation", "Federation"

    class Category(models.TextChoices):
        CLINICAL = "clinical", "Clinical"
        BACK_OFFICE = "back_office", "Back office"

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="services")
    code = models.SlugField(
        max_length=40, help_text="A short code used in activity files, for example phlebotomy."
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=12, choices=Category.choices, default="clinical")
    level = models.CharField(
        "delivered at", max_length=10, choices=Level.choices, default="practice"
    )
    unit = models.CharField(
        "unit of activity", max_length=60, help_text="For example appointment, blood test, bed."
    )
    staff_monthly_pence = models.BigIntegerField(default=0)
    premises_monthly_pence = models.BigIntegerField(default=0)
    management_monthly_pence = models.BigIntegerField(default=0)
    cost_per_unit_pence = models.BigIntegerField(default=0)
    alone_fixed_monthly_pence = models.BigIntegerField(
        default=0, help_text="What it would cost one practice each month to organise it itself."
    )
    alone_per_unit_pence = models.BigIntegerField(default=0)
    alone_fixed_standing = models.BooleanField(
        "the alone fixed cost is a standing charge",
        default=False,
        help_text="A practice doing it alone would pay the fixed cost every month, used or not "
        "(a retainer). Otherwise, for a service measured by activity, it counts only in months "
        "the practice had some.",
    )
    alone_source = models.TextField(
        "source of the alone estimate",
        blank=True,
        help_text="Where the estimate of doing it alone comes from, so it can be challenged.",
    )
    costs_from_rota = models.BooleanField(
        "cost of delivery from the rota",
        default=False,
        help_text="Take each month's cost of delivery from the Enhanced Access rota (hours "
        "worked times each person's hourly cost) instead of the typed monthly figures.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["federation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "code"], name="service_code_unique"),
            models.CheckConstraint(
                condition=Q(staff_monthly_pence__gte=0)
                & Q(premises_monthly_pence__gte=0)
                & Q(management_monthly_pence__gte=0)
                & Q(cost_per_unit_pence__gte=0)
                & Q(alone_fixed_monthly_pence__gte=0)
                & Q(alone_per_unit_pence__gte=0),
                name="service_costs_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def fixed_monthly_pence(self) -> int:
        return (
            self.staff_monthly_pence + self.premises_monthly_pence + self.management_monthly_pence
        )


PRACTICE_OR_PCN = (Q(practice__isnull=False) & Q(pcn__isnull=True)) | (
    Q(practice__isnull=True) & Q(pcn__isnull=False)
)


class ForPracticeOrPcn(models.Model):
    """Belongs to a practice or to a PCN, never both (each model adds a check constraint on
    ``PRACTICE_OR_PCN`` under its own name)."""

    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pcn = models.ForeignKey(PCN, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    @property
    def organisation(self):
        return self.practice or self.pcn


class ServiceParticipation(ForPracticeOrPcn):
    """A practice or a PCN taking part in a service, dated."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="participations")
    start_date = models.DateField("from")
    end_date = models.DateField("until", null=True, blank=True)

    class Meta:
        ordering = ["service", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=PRACTICE_OR_PCN,
                name="participation_practice_or_pcn",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="participation_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.service}"
