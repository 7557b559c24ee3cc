"""Shared staff, sites, availability, the Enhanced Access rota and ARRS claims (issue 5)."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from registry.models import PCN, Federation, Practice


class StaffRole(models.TextChoices):
    GP = "gp", "GP"
    ADVANCED_PRACTITIONER = "advanced_practitioner", "Advanced practitioner"
    PRACTICE_NURSE = "practice_nurse", "Practice nurse"
    ENHANCED_PRACTICE_NURSE = "enhanced_practice_nurse", "Enhanced practice nurse"
    HEALTHCARE_ASSISTANT = "hca", "Healthcare assistant"
    CLINICAL_PHARMACIST = "clinical_pharmacist", "Clinical pharmacist"
    PHARMACY_TECHNICIAN = "pharmacy_technician", "Pharmacy technician"
    PARAMEDIC = "paramedic", "Paramedic"
    FIRST_CONTACT_PHYSIO = "first_contact_physio", "First contact physiotherapist"
    PHYSICIAN_ASSOCIATE = "physician_associate", "Physician associate"
    DIETITIAN = "dietitian", "Dietitian"
    PODIATRIST = "podiatrist", "Podiatrist"
    OCCUPATIONAL_THERAPIST = "occupational_therapist", "Occupational therapist"
    SOCIAL_PRESCRIBER = "social_prescriber", "Social prescribing link worker"
    HEALTH_WELLBEING_COACH = "health_wellbeing_coach", "Health and wellbeing coach"
    CARE_COORDINATOR = "care_coordinator", "Care coordinator"
    NURSING_ASSOCIATE = "nursing_associate", "Nursing associate"
    TRAINEE_NURSING_ASSOCIATE = "trainee_nursing_associate", "Trainee nursing associate"
    GP_ASSISTANT = "gp_assistant", "GP assistant"


AFC_BANDS = [("", "Not on Agenda for Change")] + [
    (b, f"Band {b}") for b in ("2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")
]


class Site(models.Model):
    """A place Enhanced Access runs from: a hub or a practice's premises."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pcns = models.ManyToManyField(PCN, related_name="rota_sites", help_text="PCNs it may serve.")
    rooms = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    opens = models.TimeField(default=time(7, 0))
    closes = models.TimeField(default=time(21, 0))
    open_weekdays = models.BooleanField(default=True)
    open_saturdays = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "name"], name="site_unique_name"),
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="site_opens_first"),
        ]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    """A person the federation employs or hosts and can rota."""

    class Employer(models.TextChoices):
        FEDERATION = "federation", "The federation"
        PRACTICE = "practice", "A member practice"
        PCN_LEAD = "pcn_lead", "A PCN's lead practice"

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_records",
        help_text="The sign-in that may enter this person's own availability.",
    )
    role = models.CharField(max_length=40, choices=StaffRole.choices)
    afc_band = models.CharField(
        "Agenda for Change band", max_length=3, blank=True, choices=AFC_BANDS
    )
    employer = models.CharField(
        max_length=12, choices=Employer.choices, default=Employer.FEDERATION
    )
    employer_practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pcn = models.ForeignKey(
        PCN,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
        help_text="The PCN the post serves (and claims ARRS for).",
    )
    arrs_funded = models.BooleanField("ARRS funded", default=False)
    additional_to_baseline = models.BooleanField(
        default=True, help_text="Additional to the PCN's 31 March 2019 baseline workforce."
    )
    wte = models.DecimalField(
        "whole-time equivalent",
        max_digits=3,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    annual_salary_pence = models.BigIntegerField(default=0, validators=[MinValueValidator(0)])
    annual_oncosts_pence = models.BigIntegerField(
        default=0,
        validators=[MinValueValidator(0)],
        help_text="Employer National Insurance and pension contributions a year.",
    )
    pence_per_hour = models.PositiveIntegerField(
        default=0, help_text="What an hour of Enhanced Access work costs."
    )
    max_hours_per_week = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=8,
        validators=[MinValueValidator(0), MaxValueValidator(80)],
        help_text="Most Enhanced Access hours in a week.",
    )
    sites = models.ManyToManyField(Site, blank=True, related_name="staff")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "staff"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="staff_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @property
    def is_gp(self) -> bool:
        return self.role == StaffRole.GP


class Availability(models.Model):
    """A recurring weekly window when a person can work."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (i, d)
            for i, d in enumerate(
                ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
            )
        ]
    )
    start = models.TimeField()
    end = models.TimeField()
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["staff", "weekday", "start"]
        verbose_name_plural = "availability"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="availability_in_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class AvailabilityChange(models.Model):
    """Leave (whole days), or a one-off window when someone can or cannot work."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="changes")
    date_from = models.DateField()
    date_to = models.DateField()
    start = models.TimeField(null=True, blank=True, help_text="Empty for whole days.")
    end = models.TimeField(null=True, blank=True)
    available = models.BooleanField(default=False, help_text="Off for leave or unavailability.")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=F("date_from")), name="change_dates_in_order"
            ),
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(start__isnull=False) & Q(end__gt=F("start"))),
                name="change_times_in_order",
            ),
        ]

    def __str__(self) -> str:
        what = "available" if self.available else "leave" if self.start is None else "unavailable"
        return f"{what} {self.date_from}-{self.date_to}"


class AccessPcn(models.Model):
    """A PCN the federation runs Enhanced Access for."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="access_pcns")
    pcn = models.ForeignKey(PCN, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["pcn__code"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "pcn"], name="access_pcn_unique")
        ]

    def __str__(self) -> str:
        return self.pcn.code


class AgreedHours(models.Model):
    """A weekly block outside Network Standard Hours the commissioner agreed for a PCN."""

    access_pcn = models.ForeignKey(AccessPcn, on_delete=models.CASCADE, related_name="agreed")
    weekday = models.PositiveSmallIntegerField(
        choices=Availability._meta.get_field("weekday").choices
    )
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name_plural = "agreed hours"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="agreed_in_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class PlanRun(models.Model):
    """One run of the planner for a federation's weeks, on the task worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Planning"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="plan_runs")
    start = models.DateField(help_text="A Monday.")
    weeks = models.PositiveSmallIntegerField()
    seconds = models.PositiveSmallIntegerField(default=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    solver_status = models.CharField(max_length=20, blank=True)
    cost_pence = models.BigIntegerField(null=True, blank=True)
    lower_bound_pence = models.BigIntegerField(null=True, blank=True)
    greedy_cost_pence = models.BigIntegerField(null=True, blank=True)
    solve_seconds = models.FloatField(null=True, blank=True)
    shortfalls = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Plan from {self.start} for {self.weeks} weeks ({self.status})"

    @property
    def gap(self) -> float | None:
        if not self.cost_pence or self.lower_bound_pence is None:
            return None
        return (self.cost_pence - self.lower_bound_pence) / self.cost_pence

    @property
    def gap_text(self) -> str:
        return "" if self.gap is None else f"{self.gap:.1%}"


class RotaSession(models.Model):
    """A person working at a site for a PCN from start to end."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="sessions")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="sessions")
    pcn = models.ForeignKey(PCN, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    locked = models.BooleanField(default=False, help_text="Kept when the rota is planned again.")
    run = models.ForeignKey(
        PlanRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start", "site", "staff"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="session_in_order")
        ]
        indexes = [models.Index(fields=["federation", "start"])]

    def __str__(self) -> str:
        return f"{self.staff.name} at {self.site.name} {self.start:%Y-%m-%d %H:%M}"

    @property
    def kept(self) -> bool:
        """Locked or edited by hand: the planner keeps it."""
        return self.locked or self.edited_at is not None


class ArrsClaim(models.Model):
    """A PCN's ARRS claim for a month, as submitted: written once, never changed."""

    pcn = models.ForeignKey(PCN, on_delete=models.PROTECT, related_name="arrs_claims")
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    reference = models.CharField(max_length=40, unique=True)
    claimed_pence = models.BigIntegerField()
    pot_pence = models.BigIntegerField()
    claimed_to_date_pence = models.BigIntegerField()
    lines = models.JSONField()
    warnings = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "pcn", "month"], name="arrs_claim_once_a_month"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A submitted ARRS claim cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A submitted ARRS claim cannot be deleted.")
