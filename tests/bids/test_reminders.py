"""Deadline reminders: the administrators hear N days before each deadline, once, however
many times (or workers) the task runs; a failed send is tried again on the next run."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from bids import services
from bids.models import Reminder
from bids.reminders import send_due
from bids.tasks import deadline_reminders

pytestmark = pytest.mark.django_db


def coming(bids, **deadlines):
    now = timezone.now()
    return services.opportunity_save(
        federation=bids.federation,
        by=bids.admin,
        title="Enhanced Access",
        buyer="NHS Test ICB",
        route="competitive",
        **{k: now + timedelta(days=d) for k, d in deadlines.items()},
    )


def test_each_deadline_is_reminded_once_to_the_administrators(bids):
    coming(bids, clarification_deadline=2, submission_deadline=5)
    coming(bids, submission_deadline=30)  # not yet due
    assert send_due() == 2
    assert sorted(m.subject.split(" deadline")[0] for m in mail.outbox) == [
        "Clarification questions",
        "Submission",
    ]
    assert {tuple(m.to) for m in mail.outbox} == {("admin@bid.example",)}
    assert send_due() == 0
    assert deadline_reminders.call() == 0  # the worker's task: the same work, still once
    assert len(mail.outbox) == 2


def test_a_moved_deadline_is_reminded_again(bids):
    o = coming(bids, submission_deadline=5)
    assert send_due() == 1
    services.opportunity_save(
        federation=bids.federation,
        instance=o,
        by=bids.admin,
        submission_deadline=timezone.now() + timedelta(days=6),
    )
    assert send_due() == 1


def test_a_closed_opportunity_is_not_reminded(bids):
    o = coming(bids, submission_deadline=5)
    services.opportunity_withdraw(opportunity=o, reason="No", on=timezone.localdate(), by=None)
    assert send_due() == 0 and not mail.outbox


def test_a_claim_another_worker_made_is_skipped(bids):
    o = coming(bids, submission_deadline=5)
    Reminder.objects.create(
        opportunity=o, deadline="submission", due_at=o.submission_deadline, sent_at=timezone.now()
    )
    assert send_due() == 0 and not mail.outbox


def test_a_failed_send_is_tried_again(bids):
    coming(bids, submission_deadline=5)
    with mock.patch("bids.reminders.EmailMessage.send", side_effect=OSError("down")):
        assert send_due() == 0
    assert not Reminder.objects.exists()
    assert send_due() == 1 and len(mail.outbox) == 1
