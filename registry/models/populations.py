from django.conf import settings
from django.db import models
from django.db.models import Q


class ListSize(models.Model):
    """Patients registered at a practice on an extract date, as NHS Digital publishes them:
    all persons (sex ALL, age ALL), by sex and five-year band, or by single year of age."""

    class Sex(models.TextChoices):
        ALL = "ALL", "All"
        MALE = "MALE", "Male"
        FEMALE = "FEMALE", "Female"

    practice = models.ForeignKey(
        "registry.Practice", on_delete=models.CASCADE, related_name="list_sizes"
    )
    extract_date = models.DateField()
    sex = models.CharField(max_length=6, choices=Sex.choices)
    age_band = models.CharField(max_length=8, help_text="ALL, 0-4, 95+ or a single year.")
    age_from = models.PositiveSmallIntegerField(null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(null=True, blank=True)
    patients = models.PositiveIntegerField()

    class Meta:
        ordering = ["practice", "extract_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "extract_date", "sex", "age_band"],
                name="list_size_unique",
            )
        ]
        indexes = [models.Index(fields=["extract_date", "sex", "age_band"])]

    def __str__(self) -> str:
        return f"{self.practice_id} {self.extract_date} {self.sex} {self.age_band}: {self.patients}"


class AnnualPopulation(models.Model):
    """A population figure for a financial year that cannot be derived from list sizes: the PCN
    adjusted population (published as at 1 January) or the weighted (Carr-Hill) population.

    With no ``federation`` it is the national figure every federation shares, changed only by
    the installation's operators (the national import, or the form). With a ``federation`` it
    is that federation's own figure for the year, used by its pages, settlements, rota and ARRS
    claims in place of the national one and by nobody else."""

    class Measure(models.TextChoices):
        ADJUSTED = "adjusted", "Adjusted population"
        WEIGHTED = "weighted", "Weighted population"

    practice = models.ForeignKey(
        "registry.Practice",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="annual_populations",
    )
    pcn = models.ForeignKey(
        "registry.PCN",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="annual_populations",
    )
    federation = models.ForeignKey(
        "registry.Federation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_populations",
        help_text="Empty for the national figure; else the federation whose own figure this is.",
    )
    financial_year = models.PositiveSmallIntegerField(
        help_text="The calendar year the financial year starts in: 2025 for 2025/26."
    )
    measure = models.CharField(max_length=10, choices=Measure.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    source = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    import_run = models.ForeignKey(
        "registry.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["financial_year"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(practice__isnull=False) & Q(pcn__isnull=True))
                | (Q(practice__isnull=True) & Q(pcn__isnull=False)),
                name="population_for_practice_or_pcn",
            ),
            models.UniqueConstraint(
                fields=["practice", "financial_year", "measure"],
                condition=Q(practice__isnull=False, federation__isnull=True),
                name="population_unique_practice",
            ),
            models.UniqueConstraint(
                fields=["pcn", "financial_year", "measure"],
                condition=Q(pcn__isnull=False, federation__isnull=True),
                name="population_unique_pcn",
            ),
            models.UniqueConstraint(
                fields=["federation", "practice", "financial_year", "measure"],
                condition=Q(practice__isnull=False, federation__isnull=False),
                name="population_unique_federation_practice",
            ),
            models.UniqueConstraint(
                fields=["federation", "pcn", "financial_year", "measure"],
                condition=Q(pcn__isnull=False, federation__isnull=False),
                name="population_unique_federation_pcn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.financial_year_label}: {self.value}"

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)


def financial_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"
