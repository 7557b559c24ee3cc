"""Income lines and how each is shared, and the settlements that post them (never changed once
posted)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from finance.models.catalogue import Rule, Service
from finance.models.contracts import Contract, ContractService
from registry.models import Federation, Practice


class IncomeEntry(models.Model):
    """Money the federation received or accrued for a month, and how it is to be shared. An
    entry that corrects an earlier posted settlement names it; an entry belongs to the
    settlement that posted it and cannot change after that."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        ACCRUED = "accrued", "Accrued"

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month it is settled in.")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="income"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="income"
    )
    description = models.CharField(max_length=200)
    amount_pence = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCRUED)
    rule = models.CharField(max_length=12, choices=Rule.choices)
    corrects = models.ForeignKey(
        "finance.Settlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    settlement = models.ForeignKey(
        "finance.Settlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    accrued_from = models.ForeignKey(
        ContractService,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="accruals",
        help_text="The contract's funded service Accrue contract income made this line from. "
        "Set once and never changed (the line may later be marked received or re-described), "
        "so each contract's service is accrued at most once a month.",
    )
    follows_contract = models.BooleanField(
        default=False,
        help_text="An accrued line that is worked out again from the contract, activity, "
        "participation and lists whenever they change, until it is posted or changed by hand.",
    )
    top_slice = models.BooleanField(
        default=True,
        help_text="Whether the federation's overhead top-slice is taken before the line is "
        "shared. An adjusting entry may reach practices whole.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "income entries"
        ordering = ["month", "pk"]
        indexes = [models.Index(fields=["federation", "month"])]
        constraints = [
            # Two people pressing Accrue at once must not accrue a contract twice: the month-end
            # lock (finance.services.month_end_lock) makes the second wait and find the lines;
            # this makes the database refuse a second line whatever the path.
            models.UniqueConstraint(
                fields=["accrued_from", "month"],
                condition=Q(accrued_from__isnull=False),
                name="income_accrued_once_a_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.month:%b %Y})"


class IncomeShare(models.Model):
    """A practice's fixed amount (pence), percentage or points on an income entry."""

    entry = models.ForeignKey(IncomeEntry, on_delete=models.CASCADE, related_name="shares")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["entry", "practice"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "practice"], name="income_share_unique")
        ]

    def __str__(self) -> str:
        return f"{self.practice_id}: {self.value}"


class Immutable(models.Model):
    """Rows written once, when a settlement is posted, and never changed."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A posted settlement cannot be changed; post an adjusting entry.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A posted settlement cannot be deleted; post an adjusting entry.")


class Settlement(Immutable):
    """A federation's posted settlement for one month."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="settlements")
    month = models.DateField(help_text="The first day of the month.")
    reference = models.CharField(max_length=80, unique=True)
    overhead_percent = models.DecimalField(max_digits=5, decimal_places=2)
    income_pence = models.BigIntegerField()
    overhead_pence = models.BigIntegerField()
    costs_pence = models.BigIntegerField()
    paid_pence = models.BigIntegerField()
    kept_pence = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField()
    warnings = models.JSONField(
        default=list,
        blank=True,
        help_text="The warnings the preview gave, which the person who posted confirmed.",
    )
    carried_pence = models.JSONField(
        default=dict,
        blank=True,
        help_text="Costs of delivery the month's income did not recover, by service id: "
        "carried by the federation.",
    )

    class Meta:
        ordering = ["federation", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "month"], name="settlement_once_per_month"
            ),
            models.CheckConstraint(
                condition=Q(income_pence=models.F("paid_pence") + models.F("kept_pence")),
                name="settlement_reconciles",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class SettlementLine(Immutable):
    """One income entry as posted: what came in, what the federation kept and why, and what
    was paid out."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="lines")
    entry = models.OneToOneField(IncomeEntry, on_delete=models.PROTECT, related_name="line")
    description = models.CharField(max_length=200)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=IncomeEntry.Status.choices)
    rule = models.CharField(max_length=12, choices=Rule.choices)
    corrects = models.ForeignKey(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    gross_pence = models.BigIntegerField()
    overhead_pence = models.BigIntegerField()
    costs_pence = models.BigIntegerField()
    paid_pence = models.BigIntegerField()
    kept_pence = models.BigIntegerField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["settlement", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_pence=models.F("paid_pence") + models.F("kept_pence")),
                name="settlement_line_reconciles",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class SettlementRow(Immutable):
    """What one practice got from one service in a posted settlement, with the estimate of
    doing the same activity alone. Value statements are sums of these rows."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="rows")
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey(
        Settlement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The earlier settlement this row's money corrects (an adjusting entry).",
    )
    activity_units = models.BigIntegerField(default=0)
    income_pence = models.BigIntegerField()
    costs_pence = models.BigIntegerField()
    overhead_pence = models.BigIntegerField()
    net_pence = models.BigIntegerField()
    alone_cost_pence = models.BigIntegerField()

    class Meta:
        ordering = ["settlement", "practice", "service"]
        indexes = [models.Index(fields=["practice", "month"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    income_pence=models.F("net_pence")
                    + models.F("costs_pence")
                    + models.F("overhead_pence")
                ),
                name="settlement_row_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} {self.service_id} {self.month:%Y-%m}: {self.net_pence}p"
