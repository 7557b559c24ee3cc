"""Contracts that fund services, with their KPIs, subcontracts and signed documents."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from finance.models.catalogue import PRACTICE_OR_PCN, ForPracticeOrPcn, Rule, Service
from registry.models import Commissioner, Federation


class Contract(models.Model):
    """A contract the federation holds with a commissioner or another body."""

    class Basis(models.TextChoices):
        BLOCK = "block", "Block"
        PER_REGISTERED = "per_registered", "Per head of registered population"
        PER_ADJUSTED = "per_adjusted", "Per head of adjusted population"
        PER_UNIT = "per_unit", "Per unit of activity"
        MIXED = "mixed", "A mix"

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="contracts")
    commissioner = models.ForeignKey(
        Commissioner, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    other_body = models.CharField(
        "other commissioning body", max_length=200, blank=True, help_text="When not an ICB."
    )
    reference = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    notice_months = models.PositiveSmallIntegerField("notice period (months)", default=3)
    annual_value_pence = models.BigIntegerField(default=0)
    basis = models.CharField("payment basis", max_length=16, choices=Basis.choices)
    block_annual_pence = models.BigIntegerField(default=0)
    per_head_rate = models.DecimalField(
        "rate per head per year (£)", max_digits=10, decimal_places=4, null=True, blank=True
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["end_date", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "reference"], name="contract_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="contract_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(commissioner__isnull=False) | ~Q(other_body=""),
                name="contract_has_commissioner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def commissioned_by(self) -> str:
        return str(self.commissioner) if self.commissioner_id else self.other_body

    @property
    def notice_date(self) -> date | None:
        """The last day notice can be given for the contract to end on its end date."""
        if self.end_date is None:
            return None
        return months_before(self.end_date, self.notice_months)


def months_before(day: date, months: int) -> date:
    import calendar

    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


class ContractService(models.Model):
    """A service a contract funds, the price it pays per unit (if any) and the rule by which
    its money is shared between practices by default."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="funded")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="funded_by")
    unit_price_pence = models.BigIntegerField(null=True, blank=True)
    block_share_percent = models.DecimalField(
        "share of the block payment (%)", max_digits=5, decimal_places=2, default=0
    )
    rule = models.CharField(max_length=12, choices=Rule.choices, default=Rule.ACTIVITY)

    class Meta:
        ordering = ["contract", "service"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "service"], name="contract_service_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} funds {self.service}"


class ContractKPI(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    target = models.CharField(max_length=100)
    measure = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["contract", "name"]
        verbose_name = "KPI"

    def __str__(self) -> str:
        return f"{self.name}: {self.target}"


class Subcontract(ForPracticeOrPcn):
    """Part of a contract subcontracted to a practice or PCN, with its share."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="subcontracts")
    share_percent = models.DecimalField(max_digits=5, decimal_places=2)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["contract", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=PRACTICE_OR_PCN,
                name="subcontract_practice_or_pcn",
            ),
            models.CheckConstraint(
                condition=Q(share_percent__gt=0) & Q(share_percent__lte=100),
                name="subcontract_share_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.share_percent}%"


class ContractDocument(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="contracts/%Y/")
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title
