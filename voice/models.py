"""The members' voice (issue 18): consultations a federation puts to its practices and PCNs
(or a network to its member federations), one response per organisation, reminders and "you
said, we did"; and the federating programme (seed 004): milestones and each practice's
engagement and commitment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.models import PCN, Federation, Network, Practice


class Audience(models.TextChoices):
    PRACTICES = "practices", "The member practices"
    PCNS = "pcns", "The PCNs of the member practices"
    PRACTICES_AND_PCNS = "practices_and_pcns", "The member practices and their PCNs"
    FEDERATIONS = "federations", "The network's member federations"


class Consultation(models.Model):
    """Questions put to a federation's member practices and PCNs, or to a network's member
    federations, open from ``opens_on`` to the end of ``closes_on`` (the deadline). A draft
    until it is opened; its questions are fixed from then."""

    federation = models.ForeignKey(
        Federation, null=True, blank=True, on_delete=models.CASCADE, related_name="consultations"
    )
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="consultations"
    )
    title = models.CharField(max_length=200)
    purpose = models.TextField(help_text="What is being decided and why members' views matter.")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    opens_on = models.DateField("opens")
    closes_on = models.DateField("deadline", help_text="Answers are taken to the end of this day.")
    opened_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(
        "You said, we did", blank=True, help_text="What was heard and what will be done."
    )
    outcome_published_at = models.DateTimeField(null=True, blank=True)
    bulletin = models.ForeignKey(
        "comms.Bulletin",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
        help_text="The bulletin that announces the outcome.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(federation__isnull=False, network__isnull=True) & ~Q(audience="federations")
                )
                | Q(federation__isnull=True, network__isnull=False, audience="federations"),
                name="consultation_by_federation_or_network",
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="consultation_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(outcome_published_at__isnull=True) | ~Q(outcome=""),
                name="consultation_published_outcome_says_something",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner(self):
        return self.federation or self.network

    @property
    def is_draft(self) -> bool:
        return self.opened_at is None

    @property
    def is_published(self) -> bool:
        return self.outcome_published_at is not None


class Question(models.Model):
    class Kind(models.TextChoices):
        CHOICE = "choice", "Choose one"
        SCALE = "scale", "Scale of 1 to 5"
        TEXT = "text", "Free text"

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField(max_length=500)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["consultation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "position"], name="question_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One organisation's answers, given by a named person for it. The database holds one per
    organisation, whoever of its people answers and however many at once."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="responses"
    )
    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pcn = models.ForeignKey(PCN, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    respondent_federation = models.ForeignKey(
        Federation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    responder_name = models.CharField(max_length=200)
    submitted_at = models.DateTimeField()
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["consultation", "submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(practice__isnull=False, pcn__isnull=True, respondent_federation=None)
                | Q(practice__isnull=True, pcn__isnull=False, respondent_federation=None)
                | Q(practice__isnull=True, pcn__isnull=True, respondent_federation__isnull=False),
                name="response_for_one_organisation",
            ),
            models.UniqueConstraint(
                fields=["consultation", "practice"],
                condition=Q(practice__isnull=False),
                name="one_response_per_practice",
            ),
            models.UniqueConstraint(
                fields=["consultation", "pcn"],
                condition=Q(pcn__isnull=False),
                name="one_response_per_pcn",
            ),
            models.UniqueConstraint(
                fields=["consultation", "respondent_federation"],
                condition=Q(respondent_federation__isnull=False),
                name="one_response_per_federation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} to {self.consultation_id}"

    @property
    def organisation(self):
        return self.practice or self.pcn or self.respondent_federation


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(max_length=200, blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_a_question"),
            models.CheckConstraint(
                condition=Q(scale__isnull=True) | Q(scale__gte=1, scale__lte=5),
                name="answer_scale_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.choice or self.scale or self.text[:40]}"


class ReminderRound(models.Model):
    """A round of reminders to the organisations that had not answered when it started."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="reminder_rounds"
    )
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="reminder_round_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder round {self.number} of {self.consultation_id}"


class Reminder(models.Model):
    """One organisation reminded in one round: written before the email is sent, in the same
    transaction, so however often the worker runs the round an organisation is reminded once."""

    round = models.ForeignKey(ReminderRound, on_delete=models.CASCADE, related_name="reminders")
    organisation_key = models.CharField(max_length=40)
    organisation_name = models.CharField(max_length=200)
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organisation_key"], name="one_reminder_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_name} reminded ({self.round})"


# --- the federating programme ---------------------------------------------------------------


class Milestone(models.Model):
    class Rag(models.TextChoices):
        RED = "red", "Red"
        AMBER = "amber", "Amber"
        GREEN = "green", "Green"

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    owner = models.CharField(max_length=200)
    due_on = models.DateField("due")
    rag = models.CharField("RAG status", max_length=5, choices=Rag.choices, default=Rag.AMBER)
    completed_on = models.DateField("completed", null=True, blank=True)

    class Meta:
        ordering = ["federation", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Engagement(models.Model):
    """A member practice's commitment to the federation: its signed membership agreement and
    its nominated lead, each dated."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="engagements")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    agreement_signed_on = models.DateField("membership agreement signed", null=True, blank=True)
    lead_name = models.CharField("nominated lead", max_length=200, blank=True)
    lead_nominated_on = models.DateField("lead nominated", null=True, blank=True)

    class Meta:
        ordering = ["federation", "practice"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "practice"], name="one_engagement_per_practice"
            ),
            models.CheckConstraint(
                condition=Q(lead_nominated_on__isnull=True) | ~Q(lead_name=""),
                name="nominated_lead_is_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} in {self.federation_id}"


class Attendance(models.Model):
    """A member practice at a members' meeting."""

    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="meeting_attendances"
    )
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    meeting_on = models.DateField("meeting")
    meeting = models.CharField(max_length=200)

    class Meta:
        ordering = ["federation", "meeting_on", "practice"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "practice", "meeting_on"], name="one_attendance_a_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} at {self.meeting} on {self.meeting_on}"
