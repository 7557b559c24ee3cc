"""The board and its committees: bodies with seats and terms, their meetings with agenda items
and papers from the library, attendance, minutes (drafted, approved at a later meeting, then
fixed: a correction is a new record), the decisions log and the actions log."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from governance.models.members import Once


class Body(models.Model):
    """The board, or one of its committees or forums, with its quorum."""

    class Kind(models.TextChoices):
        BOARD = "board", "Board of directors"
        AUDIT = "audit", "Audit committee"
        REMUNERATION = "remuneration", "Remuneration committee"
        CLINICAL = "clinical_governance", "Clinical governance committee"
        PCN_FORUM = "pcn_forum", "PCN clinical directors' forum"
        OTHER = "other", "Other committee"

    federation = models.ForeignKey(
        "registry.Federation", on_delete=models.PROTECT, related_name="governance_bodies"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.BOARD)
    quorum = models.PositiveSmallIntegerField(
        default=3, help_text="Members present (and not conflicted on an item) it needs."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["federation", "name"]
        verbose_name_plural = "bodies"
        constraints = [
            models.UniqueConstraint(fields=["federation", "name"], name="one_body_of_a_name"),
            models.CheckConstraint(condition=Q(quorum__gte=1), name="body_quorum_at_least_one"),
        ]

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    """A person's seat on a body for a term: chair, vice-chair or member, reserved for a PCN
    clinical director (of the PCN named) or a lay member, or open."""

    class Office(models.TextChoices):
        CHAIR = "chair", "Chair"
        VICE_CHAIR = "vice_chair", "Vice-chair"
        MEMBER = "member", "Member"

    class Reserved(models.TextChoices):
        OPEN = "open", "Open seat"
        PCN_CD = "pcn_clinical_director", "PCN clinical director"
        LAY = "lay", "Lay member"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="seats")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="governance_seats"
    )
    office = models.CharField(max_length=12, choices=Office.choices, default=Office.MEMBER)
    reserved_for = models.CharField(max_length=25, choices=Reserved.choices, default="open")
    pcn = models.ForeignKey(
        "registry.PCN", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["body", "office", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved_for="pcn_clinical_director", pcn__isnull=False)
                | (~Q(reserved_for="pcn_clinical_director") & Q(pcn__isnull=True)),
                name="a_clinical_director_seat_names_its_pcn",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="seat_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.body} ({self.get_office_display()})"


class Meeting(models.Model):
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    online_link = models.URLField(blank=True)
    sequence = models.PositiveIntegerField(
        default=0, help_text="The calendar entry's revision: raised by each change."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_it_starts"
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """An item on a meeting's agenda, its owner and its paper: one version of a document in
    the library, fixed so the board reads what was circulated."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paper = models.ForeignKey(
        "comms.ResourceVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    for_decision = models.BooleanField(default=False)

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="one_item_of_a_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Apologies"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)

    class Meta:
        ordering = ["meeting", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once_a_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.status} at {self.meeting}"


class Minutes(Once):
    """A draft of a meeting's minutes (each draft a new numbered row), or a correction of
    approved minutes (``corrects``). Never changed: approval is a row of its own."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name_plural = "minutes"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="one_minutes_of_a_number")
        ]

    def __str__(self) -> str:
        return f"Minutes of {self.meeting} (draft {self.number})"


class MinutesApproval(Once):
    """Minutes approved as a true record at a later meeting of the same body: from then on
    they are fixed."""

    minutes = models.OneToOneField(Minutes, on_delete=models.PROTECT, related_name="approval")
    at_meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="approvals_given"
    )
    approved_on = models.DateField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.minutes} approved at {self.at_meeting}"


class Decision(Once):
    """The decisions log: what a meeting decided, on which item, by which board resolution."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    text = models.TextField()
    resolution = models.ForeignKey(
        "governance.Resolution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "recorded_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Action(models.Model):
    """The actions log: raised at a meeting, carried to each later meeting of the body until
    done or dropped."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="actions")
    raised_at = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    text = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="actions_closed"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text
