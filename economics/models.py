"""Saved scenarios of the service economics modeller, and their versions.

A ``Scenario`` is a named question ("phlebotomy at scale?") for one federation, perhaps about a
service in finance's catalogue. Each save is a new ``ScenarioVersion`` holding the inputs in the
scenario file's format (docs/economics.md); a version's inputs are never edited. Its results are
derived: cached with the hash of the inputs and the fingerprint of the practices they were worked
from (members, list sizes and PCNs on ``as_of``), so a page can say when list sizes imported
since have made them out of date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from finance.models import Service
from registry.models import Federation


class Scenario(models.Model):
    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="economics_scenarios"
    )
    name = models.CharField(max_length=200)
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="economics_scenarios",
        help_text="The catalogue service the scenario is about, if any.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["federation", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class ScenarioVersion(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    inputs = models.JSONField(help_text="The scenario, in the scenario file's format.")
    inputs_hash = models.CharField(max_length=64)
    note = models.CharField(max_length=300, blank=True)
    results = models.JSONField(
        null=True, blank=True, help_text="The results as economics.report.results_json gives."
    )
    results_inputs_hash = models.CharField(max_length=64, blank=True)
    results_basis = models.CharField(
        max_length=64,
        blank=True,
        help_text="The fingerprint of the practices, lists and PCNs the results were worked from.",
    )
    results_basis_text = models.CharField(max_length=300, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    shared_with_members = models.BooleanField(default=False)
    shared_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scenario", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "number"], name="economics_version_number_unique"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="economics_version_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} v{self.number}"
