"""Figures the DES pays on that the registry does not publish."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.models import PCN, Federation


class PcnFigures(models.Model):
    """Figures the DES pays on that the registry does not publish: a PCN's care-home beds and
    its IIF points for a financial year, entered with their source.

    With a ``federation`` they are that federation's own figures for the year, entered by its
    people for a PCN it held a practice of, and used in its entitlements alone (docs/access.md,
    "What one federation can never do to another"). With none they are the national figures,
    changed by the installation's operators alone and used by every federation without its
    own; a federation's own row replaces the national row whole (beds, points and source)."""

    pcn = models.ForeignKey(PCN, on_delete=models.CASCADE, related_name="des_figures")
    financial_year = models.PositiveSmallIntegerField()
    federation = models.ForeignKey(
        Federation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_pcn_figures",
        help_text="Empty for the national figures; else the federation whose own figures these "
        "are.",
    )
    care_home_beds = models.PositiveIntegerField(null=True, blank=True)
    iif_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "PCN figures"
        constraints = [
            models.UniqueConstraint(
                fields=["pcn", "financial_year"],
                condition=Q(federation__isnull=True),
                name="pcn_figures_unique_national",
            ),
            models.UniqueConstraint(
                fields=["federation", "pcn", "financial_year"],
                condition=Q(federation__isnull=False),
                name="pcn_figures_unique_federation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pcn_id} {self.financial_year}"
