"""Organisations as ODS publishes them: codes, names, addresses and dates exactly as published,
with surrogate keys, and dated rows for every relationship that changes over time."""

from django.db import models
from django.db.models import Q


class CorrectableFields(models.Model):
    """A person may correct a published field by hand; imports then leave it alone."""

    manual_fields = models.JSONField(
        default=list,
        blank=True,
        help_text="Fields corrected by hand in gpfed, which imports never overwrite.",
    )

    class Meta:
        abstract = True


class PublishedAddress(models.Model):
    """An address as ODS publishes it: five free-text lines and a postcode."""

    address_1 = models.CharField(max_length=100, blank=True)
    address_2 = models.CharField(max_length=100, blank=True)
    address_3 = models.CharField(max_length=100, blank=True)
    address_4 = models.CharField(max_length=100, blank=True)
    address_5 = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    postcode_key = models.CharField(
        max_length=10, blank=True, db_index=True, help_text="Postcode without spaces, for search."
    )

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        lines = [self.address_1, self.address_2, self.address_3, self.address_4, self.address_5]
        return [line for line in lines if line]


class Commissioner(CorrectableFields):
    """An NHS commissioning organisation: a region, an ICB or a sub-ICB location.

    One model for every era: sub-ICB locations kept the codes of the CCGs they replaced in July
    2022 (03W), and ICBs the codes of the STPs (QK1), so a CCG-era file lands on the same rows.
    """

    class Kind(models.TextChoices):
        REGION = "region", "NHS England region"
        ICB = "icb", "Integrated care board"
        SUB_ICB = "sub_icb", "Sub-ICB location"

    code = models.CharField(max_length=10, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200, blank=True)
    ons_code = models.CharField("ONS code", max_length=9, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    as_at = models.DateField(
        null=True, blank=True, help_text="Date of the publication the name and parent come from."
    )

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.name else self.code

    @property
    def display_name(self) -> str:
        return self.name or self.code


class Practice(CorrectableFields, PublishedAddress):
    """A GP practice (an organisation ODS lists with prescribing setting 4 / role RO76)."""

    class Status(models.TextChoices):
        ACTIVE = "A", "Active"
        CLOSED = "C", "Closed"
        DORMANT = "D", "Dormant"
        PROPOSED = "P", "Proposed"

    code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    open_date = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.ACTIVE)
    phone = models.CharField(max_length=40, blank=True)
    national_grouping = models.CharField(
        max_length=10, blank=True, help_text="epraccur field 3, as published (the region)."
    )
    high_level_health_geography = models.CharField(
        max_length=10, blank=True, help_text="epraccur field 4, as published (the ICB)."
    )
    search_key = models.TextField(
        blank=True, help_text="Name, address and postcode in capitals, for search."
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(close_date__isnull=True)
                | Q(open_date__isnull=True)
                | Q(close_date__gte=models.F("open_date")),
                name="practice_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.postcode_key = self.postcode.replace(" ", "").upper()
        self.search_key = practice_search_key(
            self.name, [getattr(self, f"address_{i}") for i in range(1, 6)], self.postcode
        )
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.ACTIVE


def practice_search_key(name: str, address: list[str], postcode: str) -> str:
    """One column to search, so a search is one LIKE, not one per address line."""
    return " | ".join(part for part in [name, *address, postcode] if part).upper()


class OtherOrganisation(models.Model):
    """An organisation epraccur lists that is not a GP practice. Kept so that references to it
    in other publications are skipped knowingly rather than reported as unknown."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=200, blank=True)
    setting = models.CharField(max_length=10, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PCN(CorrectableFields, PublishedAddress):
    """A Primary Care Network (not a legal entity): practices working together under the
    Network Contract DES."""

    code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    sub_icb = models.ForeignKey(
        Commissioner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pcns",
        verbose_name="sub-ICB location",
    )
    open_date = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    name_key = models.CharField(max_length=200, blank=True, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "PCN"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.postcode_key = self.postcode.replace(" ", "").upper()
        self.name_key = self.name.upper()
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.close_date is None


class Spell(models.Model):
    """A dated relationship: from start_date to end_date inclusive (open-ended when null)."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        EPRACCUR = "epraccur", "ODS epraccur"
        EPCN = "epcn", "ODS ePCN"
        PATIENTS_MAP = "gp-reg-pat-prac-map", "Patients Registered mapping"
        GPAD_MAPPING = "gpad-mapping", "Appointments in General Practice mapping"

    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=30, choices=Source.choices)
    import_run = models.ForeignKey(
        "registry.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        until = f" to {self.end_date}" if self.end_date else ""
        return f"from {self.start_date}{until}"

    def covers(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class PracticePCN(Spell):
    """A practice's membership of a PCN, from the ePCN workbook or a mapping file."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="pcn_spells")
    pcn = models.ForeignKey(PCN, on_delete=models.CASCADE, related_name="practice_spells")

    class Meta:
        ordering = ["practice", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="practice_pcn_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["practice", "pcn", "start_date"], name="practice_pcn_unique_start"
            ),
        ]
        indexes = [models.Index(fields=["pcn", "start_date"])]


class PracticeCommissioner(Spell):
    """Which sub-ICB location (CCG before July 2022) commissioned a practice, and when."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="commissioner_spells"
    )
    commissioner = models.ForeignKey(
        Commissioner, on_delete=models.PROTECT, related_name="practice_spells"
    )

    class Meta:
        ordering = ["practice", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="practice_commissioner_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["practice", "commissioner", "start_date"],
                name="practice_commissioner_unique_start",
            ),
        ]
        indexes = [models.Index(fields=["commissioner", "start_date"])]
