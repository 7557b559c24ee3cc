"""The bids pipeline: the tenders a federation might bid for (entered by hand or imported from
the OCDS notices Find a Tender and Contracts Finder publish), each with its evaluation criteria,
documents, dated stages, the bid/no-bid decision, member practices' commitment and, at the end,
the contract won or the reason it was lost.

An opportunity is one per OCID in a federation (a database constraint), so importing the same
notice again updates it and never makes a second."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Route(models.TextChoices):
    """How the buyer awards it: the Provider Selection Regime's processes for NHS health
    services (2023), or another route (Procurement Act 2023, a grant...)."""

    DIRECT_A = "direct_a", "PSR direct award process A"
    DIRECT_B = "direct_b", "PSR direct award process B"
    DIRECT_C = "direct_c", "PSR direct award process C"
    MOST_SUITABLE = "most_suitable", "PSR most suitable provider process"
    COMPETITIVE = "competitive", "PSR competitive process"
    OTHER = "other", "Other (not the PSR)"


class Stage(models.TextChoices):
    IDENTIFIED = "identified", "Identified"
    BID_NO_BID = "bid_no_bid", "Bid/no-bid"
    PREPARING = "preparing", "Preparing the bid"
    SUBMITTED = "submitted", "Submitted"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    WITHDRAWN = "withdrawn", "Withdrawn"


CLOSED = (Stage.WON, Stage.LOST, Stage.WITHDRAWN)


class Opportunity(models.Model):
    class Decision(models.TextChoices):
        UNDECIDED = "", "Not decided"
        BID = "bid", "Bid"
        NO_BID = "no_bid", "Do not bid"

    federation = models.ForeignKey(
        "registry.Federation", on_delete=models.CASCADE, related_name="opportunities"
    )
    ocid = models.CharField(
        "OCID",
        max_length=120,
        blank=True,
        help_text="The Open Contracting ID of the notice; blank for one entered by hand.",
    )
    buyer = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    value_pence = models.BigIntegerField("value (pence)", default=0)
    term_months = models.PositiveSmallIntegerField("term (months)", null=True, blank=True)
    extension_months = models.PositiveSmallIntegerField("possible extensions (months)", default=0)
    route = models.CharField(max_length=16, choices=Route.choices, default=Route.OTHER)
    cpv_codes = models.CharField(
        "CPV codes", max_length=300, blank=True, help_text="Separated by spaces."
    )
    clarification_deadline = models.DateTimeField(null=True, blank=True)
    submission_deadline = models.DateTimeField(null=True, blank=True)
    standstill_end = models.DateField(null=True, blank=True)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.IDENTIFIED)
    decision = models.CharField(
        "bid/no-bid decision", max_length=8, choices=Decision.choices, default="", blank=True
    )
    decision_reason = models.TextField(blank=True)
    decided_on = models.DateField(null=True, blank=True)
    scenario = models.ForeignKey(
        "economics.ScenarioVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        help_text="The economics scenario the decision rests on.",
    )
    outcome_reason = models.TextField(
        blank=True, help_text="Lost or withdrawn: why, as the buyer's feedback gave it."
    )
    contract = models.ForeignKey(
        "finance.Contract",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    notice_published = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "opportunities"
        ordering = ["submission_deadline", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "ocid"],
                condition=~Q(ocid=""),
                name="bids_one_opportunity_per_ocid",
            ),
            models.CheckConstraint(condition=Q(value_pence__gte=0), name="bids_value_not_negative"),
            models.CheckConstraint(
                condition=Q(clarification_deadline__isnull=True)
                | Q(submission_deadline__isnull=True)
                | Q(clarification_deadline__lte=F("submission_deadline")),
                name="bids_clarification_before_submission",
            ),
            models.CheckConstraint(
                condition=~Q(stage="won") | Q(decision="bid"), name="bids_won_only_if_bid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def closed(self) -> bool:
        return self.stage in CLOSED

    @property
    def cpv_list(self) -> list[str]:
        return self.cpv_codes.split()


class Criterion(models.Model):
    """An evaluation criterion with its weight (the weights of an opportunity's criteria add
    up to 100, checked by the service) and, once lost or won, the buyer's feedback score."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=200)
    weight = models.PositiveSmallIntegerField(help_text="Percent.")
    feedback_score = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The score the buyer gave our bid, as a percentage of the marks available.",
    )

    class Meta:
        ordering = ["opportunity", "-weight", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=100), name="bids_weight_1_to_100"
            ),
            models.CheckConstraint(
                condition=Q(feedback_score__isnull=True)
                | Q(feedback_score__gte=0, feedback_score__lte=100),
                name="bids_feedback_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight}%)"


class Document(models.Model):
    """A link to one of the tender's documents, as the notice or the buyer's portal gives it."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=1000)

    class Meta:
        ordering = ["opportunity", "pk"]

    def __str__(self) -> str:
        return self.title


class StageChange(models.Model):
    """One move of an opportunity from stage to stage, dated: its history."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    stage = models.CharField(max_length=12, choices=Stage.choices)
    changed_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["opportunity", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.opportunity} {self.stage} on {self.changed_on}"


class Commitment(models.Model):
    """A member practice asked to commit to a bid, and its answer. Its registered list and
    share of the tender's population are fixed when it is asked (the registry's latest list
    size on that day)."""

    class Answer(models.TextChoices):
        ASKED = "asked", "Not answered yet"
        SIGNED_UP = "signed_up", "Signed up"
        DECLINED = "declined", "Declined"

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="commitments"
    )
    practice = models.ForeignKey(
        "registry.Practice", on_delete=models.PROTECT, related_name="bid_commitments"
    )
    list_size = models.PositiveIntegerField(default=0)
    answer = models.CharField(max_length=10, choices=Answer.choices, default=Answer.ASKED)
    note = models.CharField(max_length=300, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opportunity", "practice__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "practice"], name="bids_one_commitment_per_practice"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice} on {self.opportunity}: {self.answer}"


class Reminder(models.Model):
    """A deadline reminder sent (or being sent): one per opportunity, deadline and date, so a
    deadline is reminded once however many workers run."""

    class Deadline(models.TextChoices):
        CLARIFICATION = "clarification", "Clarification questions"
        SUBMISSION = "submission", "Submission"

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="reminders")
    deadline = models.CharField(max_length=14, choices=Deadline.choices)
    due_at = models.DateTimeField(help_text="The deadline reminded of.")
    sent_at = models.DateTimeField()
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["opportunity", "sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "deadline", "due_at"], name="bids_remind_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity}: {self.deadline} reminder"
