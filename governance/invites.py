"""A meeting's invitation: an email with its calendar entry (iCalendar, as comms' event
invitations), and the yearly reminder to declare interests. Both are sent on the worker
(``governance.tasks``)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from accounts.models import User
from governance import board_selectors as board
from governance.models import InterestRound, Meeting
from kernel.calendar import calendar_request
from kernel.headers import one_line


def calendar_entry(meeting: Meeting) -> bytes:
    """The meeting as an iCalendar request: a stable UID per meeting (apart from comms'
    events') and its sequence, so a second invitation updates the entry."""
    agenda = "\n".join(str(item) for item in meeting.items.order_by("number"))
    return calendar_request(
        product="Governance",
        uid=f"governance-meeting-{meeting.pk}@gpfed",
        summary=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.place or meeting.online_link,
        url=meeting.online_link,
        description=f"{meeting.body.name}\n\nAgenda:\n{agenda}" if agenda else "",
        sequence=meeting.sequence,
    )


def send_invitation(meeting_id: int, user_id: int) -> bool:
    meeting = Meeting.objects.select_related("body").filter(pk=meeting_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if meeting is None or user is None:
        return False
    if user_id not in board.seat_holder_ids(meeting.body, board.meeting_day(meeting)):
        return False  # no longer on the body
    when = timezone.localtime(meeting.starts_at)
    lines = [
        f"You are invited to {meeting.title} ({meeting.body.name}).",
        "",
        f"When: {when:%A %-d %B %Y, %H:%M}",
        f"Where: {meeting.place or meeting.online_link}",
        "",
        "Agenda:",
        *(f"  {item}" for item in meeting.items.order_by("number")),
        "",
        f"Papers and the board pack: {settings.GPFED_BASE_URL}/governance/meetings/{meeting.pk}/",
    ]
    message = EmailMessage(
        subject=one_line(f"Invitation: {meeting.title}"),
        body="\n".join(lines),
        to=[user.email],
    )
    message.attach("invite.ics", calendar_entry(meeting), "text/calendar; method=REQUEST")
    message.send()
    return True


def send_interest_reminder(round_id: int, user_id: int) -> bool:
    round_ = InterestRound.objects.select_related("federation").filter(pk=round_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if round_ is None or user is None or round_.returns.filter(user_id=user_id).exists():
        return False
    federation = round_.federation
    body = (
        f"Please confirm your declarations of interest for {federation.name} for "
        f"{round_.year} by {round_.due_on:%-d %B %Y}: add or end an interest, or make a nil "
        "return if you have none.\n\n"
        f"{settings.GPFED_BASE_URL}/governance/{federation.slug}/interests/"
    )
    EmailMessage(
        subject=one_line(f"Declarations of interest {round_.year}: {federation.name}"),
        body=body,
        to=[user.email],
    ).send()
    return True
