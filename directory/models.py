"""The network's members and the directory: join requests and their decisions, the advisory
board, and the named contacts a federation keeps for itself and its practices and PCNs.

A network's membership itself is ``registry.NetworkMembership`` (dated); a request, once
approved, points at the membership it created."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

PHONE = RegexValidator(
    r"^\+?[0-9 ()-]{6,20}$",
    "Enter a phone number using digits, spaces, brackets, hyphens and an optional leading +",
)


class JoinRequest(models.Model):
    """A federation asks to join a network; the network's administrators decide."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    network = models.ForeignKey(
        "registry.Network", on_delete=models.CASCADE, related_name="join_requests"
    )
    federation = models.ForeignKey(
        "registry.Federation", on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    membership = models.OneToOneField(
        "registry.NetworkMembership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="join_request",
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "federation"],
                condition=Q(status="pending"),
                name="one_pending_join_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.federation} asks to join {self.network}"


class BoardSeat(models.Model):
    """A seat on a network's advisory board, held by a person for a span of dates."""

    class Position(models.TextChoices):
        CHAIR = "chair", "Chair"
        VICE_CHAIR = "vice_chair", "Vice-chair"
        MEMBER = "member", "Member"

    network = models.ForeignKey(
        "registry.Network", on_delete=models.CASCADE, related_name="board_seats"
    )
    position = models.CharField(max_length=10, choices=Position.choices)
    name = models.CharField(max_length=200)
    federation = models.ForeignKey(
        "registry.Federation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="board_seats",
        help_text="The member federation the person comes from, if any.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="board_seats",
    )
    start_date = models.DateField("from")
    end_date = models.DateField("until", null=True, blank=True)

    class Meta:
        ordering = ["network", "position", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="board_seat_ends_after_start",
                violation_error_message="The end cannot be before the start.",
            ),
            models.UniqueConstraint(
                fields=["network", "position"],
                condition=Q(end_date__isnull=True) & ~Q(position="member"),
                name="one_open_chair_and_vice_chair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()}: {self.name}"

    def covers(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class Contact(models.Model):
    """A named contact in a federation's directory: for the federation itself, or for one of
    its practices or PCNs. Details are shown only to the federation's members (and, for those
    listed in the network directory, to the network's members)."""

    federation = models.ForeignKey(
        "registry.Federation", on_delete=models.CASCADE, related_name="contacts"
    )
    practice = models.ForeignKey(
        "registry.Practice", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    pcn = models.ForeignKey(
        "registry.PCN", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=120, help_text="For example practice manager, chair.")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, validators=[PHONE])
    in_network_directory = models.BooleanField(
        "show in the network directory",
        default=False,
        help_text="Shown to the members of the networks this federation belongs to.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["federation", "practice", "pcn", "role", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(practice__isnull=True) | Q(pcn__isnull=True),
                name="contact_for_one_organisation",
                violation_error_message="A contact belongs to a practice or a PCN, not both.",
            ),
            models.CheckConstraint(
                condition=~(Q(email="") & Q(phone="")),
                name="contact_has_email_or_phone",
                violation_error_message="Enter an email address or a phone number.",
            ),
        ]
        indexes = [models.Index(fields=["federation", "practice"])]

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"

    @property
    def organisation(self):
        return self.practice or self.pcn or self.federation
