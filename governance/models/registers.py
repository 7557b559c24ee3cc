"""Two registers a federation's board keeps beside the register of interests: gifts and
hospitality (offered to its people, or given by them), checked against the common NHS
thresholds the federation holds as settings; and the risk register, each risk scored 5x5
(likelihood x impact) before and after its controls, every change of score a new row, and
cited on the agenda of the board meetings that review it."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import LessThanOrEqual

from governance.models.members import Once


class GiftsPolicy(models.Model):
    """The federation's thresholds for gifts and hospitality, in pence. The defaults are the
    common NHS ones (NHS England, *Managing conflicts of interest in the NHS*)."""

    federation = models.OneToOneField(
        "registry.Federation", on_delete=models.CASCADE, related_name="gifts_policy"
    )
    supplier_gift_decline_over_pence = models.PositiveIntegerField(
        "decline a supplier's gift worth over (pence)", default=600
    )
    gift_declare_over_pence = models.PositiveIntegerField(
        "declare a gift worth over (pence)", default=5_000
    )
    hospitality_declare_over_pence = models.PositiveIntegerField(
        "declare hospitality worth over (pence)", default=2_500
    )
    hospitality_approval_over_pence = models.PositiveIntegerField(
        "hospitality worth over this needs approval (pence)", default=7_500
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "gifts policies"

    def __str__(self) -> str:
        return f"Gifts and hospitality thresholds of {self.federation}"


class Gift(models.Model):
    """An entry in the gifts and hospitality register: a gift or hospitality offered to one
    of the federation's people (accepted or declined) or given by them."""

    class Kind(models.TextChoices):
        GIFT = "gift", "Gift"
        HOSPITALITY = "hospitality", "Hospitality"

    class Direction(models.TextChoices):
        OFFERED = "offered", "Offered to us"
        GIVEN = "given", "Given by us"

    federation = models.ForeignKey(
        "registry.Federation", on_delete=models.PROTECT, related_name="gifts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gifts"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices, default="offered")
    party = models.CharField(max_length=200, help_text="From (or to) whom.")
    supplier = models.BooleanField(
        default=False, help_text="A supplier, or a company that may bid to supply us."
    )
    description = models.CharField(max_length=500)
    value_pence = models.PositiveIntegerField()
    on = models.DateField()
    accepted = models.BooleanField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["federation", "-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("user")),
                name="a_gift_is_not_approved_by_its_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.party}"


class Risk(models.Model):
    """A risk in the federation's register. Its scores are in ``RiskScore`` rows: the latest
    is the current one, the others its history."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        TOLERATED = "tolerated", "Tolerated"
        CLOSED = "closed", "Closed"

    federation = models.ForeignKey(
        "registry.Federation", on_delete=models.PROTECT, related_name="risks"
    )
    number = models.PositiveIntegerField(help_text="Its reference in the federation's register.")
    title = models.CharField(max_length=200)
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="risks_owned"
    )
    controls = models.TextField(blank=True)
    review_on = models.DateField("next review")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["federation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "number"], name="one_risk_of_a_number")
        ]

    def __str__(self) -> str:
        return f"R{self.number} {self.title}"


def _score(name: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(name)


class RiskScore(Once):
    """A risk's scores on a day: likelihood and impact (1 to 5 each) before its controls
    (inherent) and after them (residual). Written once: a new assessment is a new row."""

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="scores")
    likelihood_before = _score("likelihood before controls")
    impact_before = _score("impact before controls")
    likelihood_after = _score("likelihood after controls")
    impact_after = _score("impact after controls")
    assessed_on = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["risk", "-assessed_on", "-id"]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"risk_{name}_1_to_5",
                )
                for name in (
                    "likelihood_before",
                    "impact_before",
                    "likelihood_after",
                    "impact_after",
                )
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(
                    F("likelihood_after") * F("impact_after"),
                    F("likelihood_before") * F("impact_before"),
                ),
                name="risk_controls_never_raise_the_score",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.risk} on {self.assessed_on}"

    @property
    def score_before(self) -> int:
        return self.likelihood_before * self.impact_before

    @property
    def score_after(self) -> int:
        return self.likelihood_after * self.impact_after


class ItemRisk(Once):
    """A risk cited on a meeting's agenda item: reviewed at that meeting (its board pack
    lists it)."""

    item = models.ForeignKey(
        "governance.AgendaItem", on_delete=models.PROTECT, related_name="risk_citations"
    )
    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="citations")
    cited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "risk__number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "risk"], name="a_risk_cited_once_an_item")
        ]

    def __str__(self) -> str:
        return f"{self.risk} at {self.item}"
