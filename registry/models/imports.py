from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    """One import of one file: what it was, who brought it, and what it changed. A national
    import updates the registry every federation shares; a federation's import brings its own
    population figures only."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Imported"
        CHECKED = "checked", "Checked (dry run, nothing written)"
        FAILED = "failed", "Failed (nothing written)"

    federation = models.ForeignKey(
        "registry.Federation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="import_runs",
        help_text="Empty for a national import (installation operators); else the federation "
        "whose own figures the file brings, which alone sees the run.",
    )
    kind = models.CharField(max_length=30, blank=True)
    requested_kind = models.CharField(max_length=30, blank=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField(default=False)
    as_at = models.DateField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)
    problem_total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin = models.CharField(max_length=60, blank=True, help_text="IP address or command line.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    upload = models.BinaryField(
        null=True, blank=True, help_text="The uploaded file, kept until the worker imports it."
    )
    lease_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While it is being imported: when the hold on it runs out. An import whose "
        "worker died is then tried again, or refused.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sha256"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.CHECKED, self.Status.FAILED}

    @property
    def summary(self) -> str:
        c = self.counts or {}
        parts = [f"{c.get(k, 0):,} {k}" for k in COUNT_KEYS if c.get(k)]
        return ", ".join(parts) if parts else "nothing"


COUNT_KEYS = ("read", "created", "updated", "unchanged", "closed", "skipped")
