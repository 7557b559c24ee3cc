"""Bulletins and briefings a federation (or a network of federations) sends its people, and
each recipient's delivery (issue 6)."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Role
from registry.models import Federation, Network


class Category(models.TextChoices):
    NEWS = "news", "News"
    BRIEFING = "briefing", "Briefings"
    FINANCE = "finance", "Finance and contracts"
    WORKFORCE = "workforce", "Workforce and rota"
    CLINICAL = "clinical", "Clinical and services"
    EVENTS = "events", "Events and learning"


class Owned(models.Model):
    """Belongs to a federation or to a network, never both."""

    federation = models.ForeignKey(
        Federation, null=True, blank=True, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="%(class)ss"
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(Q(federation__isnull=False) & Q(network__isnull=True))
                | (Q(federation__isnull=True) & Q(network__isnull=False)),
                name="%(class)s_from_federation_or_network",
            )
        ]

    @property
    def sender(self):
        return self.federation or self.network


class Addressed(Owned):
    """From a federation (to its practices', PCNs' and its own people) or a network (to its
    member federations' people), narrowed to chosen federations, PCNs, practices or roles."""

    # who it is for, within the sender's members: empty means everyone
    audience_federations = models.ManyToManyField(Federation, blank=True, related_name="+")
    audience_pcns = models.ManyToManyField("registry.PCN", blank=True, related_name="+")
    audience_practices = models.ManyToManyField("registry.Practice", blank=True, related_name="+")
    audience_roles = models.JSONField(default=list, blank=True)

    class Meta(Owned.Meta):
        abstract = True


class Bulletin(Addressed):
    """A bulletin or briefing. Once sent it is never changed: a correction is a new version
    that says what changed."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    title = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.NEWS)
    essential = models.BooleanField(
        default=False, help_text="Essential briefings reach everyone, whatever their preferences."
    )
    to_contacts = models.BooleanField(
        "Also email the federation's directory contacts who have no gpfed account",
        default=False,
        help_text="By email only, each with a link to unsubscribe. Narrowed to the PCNs and "
        "practices chosen below, if any; the roles do not apply to them.",
    )
    body = models.TextField(help_text="Markdown: headings, lists, links, bold and italics.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    send_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveSmallIntegerField(default=1)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    change_note = models.CharField(
        max_length=500, blank=True, help_text="For a correction: what changed."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-created_at"]
        constraints = [
            *Addressed.Meta.constraints,
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(change_note=""),
                name="correction_says_what_changed",
            ),
        ]

    def __str__(self) -> str:
        return self.title if self.version == 1 else f"{self.title} (version {self.version})"

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            stored = Bulletin.objects.filter(pk=self.pk).values("status", "title", "body").first()
            sent = stored and stored["status"] in (self.Status.SENDING, self.Status.SENT)
            if sent and (stored["title"], stored["body"]) != (self.title, self.body):
                raise ValueError("A sent bulletin cannot be changed: send a correction.")
        super().save(*args, **kwargs)

    @property
    def is_sent(self) -> bool:
        return self.status in (self.Status.SENDING, self.Status.SENT)


class BulletinFile(models.Model):
    """An image shown in a bulletin or a file attached to it. Sent with every copy; like the
    bulletin, never changed once it is sent (a correction carries its own copies)."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="bulletins/%Y/%m/")
    file_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["file_name"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "file_name"], name="one_file_name_each")
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def content_id(self) -> str:
        return f"file{self.pk}.bulletin{self.bulletin_id}@gpfed"

    def delete(self, *args, **kwargs):
        if Bulletin.objects.get(pk=self.bulletin_id).is_sent:
            raise ValueError("A sent bulletin cannot be changed: send a correction.")
        return super().delete(*args, **kwargs)


ROLE_CHOICES = [(r.value, r.label) for r in Role if r != Role.NETWORK_ADMIN]


class Delivery(models.Model):
    """One recipient's copy: queued, sent (or failed, with the reason), read in gpfed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        DIGEST = "digest", "Waiting for the weekly digest"
        INBOX = "inbox", "In gpfed only"

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="deliveries")
    # a person with a gpfed account, or (email only) a directory contact who has none
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "directory.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["email"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "user"], name="one_copy_each"),
            models.UniqueConstraint(
                fields=["bulletin", "email"],
                condition=Q(user__isnull=True),
                name="one_contact_copy_each",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.bulletin_id} to {self.email}: {self.status}"

    @property
    def to_contact(self) -> bool:
        """A directory contact's copy: email only, with a link to unsubscribe."""
        return self.user_id is None

    @staticmethod
    def new_message_id() -> str:
        return f"<{uuid.uuid4().hex}@gpfed>"


class Preference(models.Model):
    """How a person wants a category of bulletin: each by email, in a weekly digest, or only in
    their gpfed inbox. Essential briefings always go by email."""

    class Choice(models.TextChoices):
        EMAIL = "email", "Email each one"
        DIGEST = "digest", "Weekly digest"
        OFF = "off", "Inbox only, no email"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulletin_preferences"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    choice = models.CharField(max_length=10, choices=Choice.choices, default=Choice.EMAIL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="one_preference_a_category")
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.choice}"


class Event(Addressed):
    """A meeting, webinar or learning event for an audience, with a capacity and a waiting
    list that moves up by itself when someone cancels."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting"
        WEBINAR = "webinar", "Webinar"
        LEARNING = "learning", "Learning event"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MEETING)
    description = models.TextField(blank=True, help_text="Markdown.")
    agenda = models.TextField(blank=True, help_text="One item a line.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=300, blank=True)
    online_link = models.URLField(blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no limit.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the calendar entry's SEQUENCE: one more each time registrants are told of a change
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            *Addressed.Meta.constraints,
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_link=""), name="event_has_a_place_or_link"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def agenda_items(self) -> list[str]:
        """The agenda, one item a line: blank lines dropped, and a list marker someone typed
        ("- ", "* ", "1. ") taken off, since the page and the email number or bullet them."""
        items = []
        for line in self.agenda.splitlines():
            item = AGENDA_MARKER.sub("", line.strip()).strip()
            if item:
                items.append(item)
        return items


AGENDA_MARKER = re.compile(r"^(?:[-*•+]|\d{1,3}[.)])\s+")


class Registration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", "Registered"
        WAITING = "waiting", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="one_registration_each")
        ]

    def __str__(self) -> str:
        return f"{self.user.email} for {self.event}"


class EventMaterial(models.Model):
    """Slides, notes or recordings' links attached after the event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="events/%Y/%m/")
    # As uploaded, with its size and SHA-256 (checked whenever it is read back); blank for
    # materials added before they were recorded.
    file_name = models.CharField(max_length=120, blank=True, default="")
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Folder(Owned):
    """A folder in a federation's or network's shared library."""

    name = models.CharField(max_length=120)

    class Meta(Owned.Meta):
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Resource(Addressed):
    """A document in the library (a policy, template, board paper, contract document), seen
    by the audience it names, with every version kept."""

    folder = models.ForeignKey(Folder, on_delete=models.PROTECT, related_name="resources")
    title = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [*Addressed.Meta.constraints]

    def __str__(self) -> str:
        return self.title

    @property
    def latest(self):
        return self.versions.order_by("-number").first()


class ResourceVersion(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to="library/%Y/%m/")
    file_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(max_length=300, blank=True, help_text="What changed.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"


class Unsubscribe(models.Model):
    """A directory contact who asked, by the link in a bulletin, to get no more of a
    federation's bulletins: the address is left out of every later send."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(help_text="Lower case, as compared.")
    contact = models.ForeignKey(
        "directory.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["federation", "email"], name="one_unsubscribe_each")
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.federation}"


class MailSettings(models.Model):
    """How a federation's (or a network's) bulletin and event emails go out: the address
    replies reach. They come from the site's address (DEFAULT_FROM_EMAIL)."""

    federation = models.OneToOneField(
        Federation, null=True, blank=True, on_delete=models.CASCADE, related_name="mail_settings"
    )
    network = models.OneToOneField(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="mail_settings"
    )
    reply_to = models.EmailField(
        "Reply-to address",
        blank=True,
        help_text="Where replies to your bulletins and event emails go, for example "
        "comms@yourfederation.nhs.uk. Leave empty for no reply-to address.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "mail settings"
        constraints = [
            models.CheckConstraint(
                condition=(Q(federation__isnull=False) & Q(network__isnull=True))
                | (Q(federation__isnull=True) & Q(network__isnull=False)),
                name="mailsettings_for_federation_or_network",
            )
        ]

    def __str__(self) -> str:
        return f"Mail settings of {self.federation or self.network}"
