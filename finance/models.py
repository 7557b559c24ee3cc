"""The federation's money: the services it delivers at scale, the contracts that fund them, the
activity practices receive, and the monthly settlements that pass income back to practices.

Money is integer pence throughout (``*_pence`` fields); rates that may hold fractions of a penny
per head or per unit are decimals in pounds and are rounded half-up to the penny once, where an
amount is computed. A posted settlement and everything written with it never change: a
correction is an income line in a later month that names the settlement it corrects.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.models import PCN, Commissioner, Federation, Practice


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
