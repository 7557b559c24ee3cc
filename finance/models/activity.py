"""Activity practices and PCNs received, and the files it was uploaded in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from finance.models.catalogue import PRACTICE_OR_PCN, ForPracticeOrPcn, Service
from registry.models import Federation


class Activity(ForPracticeOrPcn):
    """Units of a service a practice (or a PCN) received in a month."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="activity")
    month = models.DateField(help_text="The first day of the month.")
    units = models.PositiveIntegerField()
    source = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "activity"
        ordering = ["month", "service"]
        constraints = [
            models.CheckConstraint(
                condition=PRACTICE_OR_PCN,
                name="activity_practice_or_pcn",
            ),
            models.UniqueConstraint(
                fields=["service", "month", "practice"],
                condition=Q(practice__isnull=False),
                name="activity_unique_practice",
            ),
            models.UniqueConstraint(
                fields=["service", "month", "pcn"],
                condition=Q(pcn__isnull=False),
                name="activity_unique_pcn",
            ),
        ]
        indexes = [models.Index(fields=["federation", "month"])]

    def __str__(self) -> str:
        return f"{self.organisation} {self.service} {self.month:%Y-%m}: {self.units}"


class ActivityUpload(models.Model):
    """An activity file someone uploaded, checked and imported by the task worker: queued,
    then imported, or refused with every problem (and nothing written)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be checked"
        RUNNING = "running", "Being checked"
        SUCCEEDED = "succeeded", "Imported"
        FAILED = "failed", "Refused (nothing imported)"

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    upload = models.BinaryField(help_text="The file, kept until the worker has imported it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    problem_total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While a worker imports it: when its hold runs out. A worker that dies "
        "leaves the hold to run out; the upload is then tried again, or refused.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
