"""Consultations through their services: setting up, answering once per organisation (a
change audited, a race held by the database), reminders exactly once per round, the results
from the database rolled up, "you said, we did"; the federating programme."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from comms.models import Bulletin
from comms.services import bulletin_save
from registry.selectors import today
from tests.voice.conftest import answers, open_consultation
from voice import selectors, services
from voice.errors import VoiceError
from voice.models import Consultation, Reminder, Response
from voice.reminders import remind

pytestmark = pytest.mark.django_db


def test_the_audience_is_the_member_practices_and_their_pcns(v, opened):
    assert list(selectors.audience_of(opened)) == [
        "practice-A00001",
        "practice-A00002",
        "practice-A00003",
        "practice-A00004",
        "pcn-U00001",
        "pcn-U00002",
    ]
    network = open_consultation(v, network=True)
    assert list(selectors.audience_of(network)) == ["federation-other-fed", "federation-voice-fed"]


def test_a_choice_question_needs_two_answers(v):
    draft = services.consultation_create(
        federation=v.federation,
        title="T",
        purpose="P",
        audience="practices",
        opens_on=today(),
        closes_on=today(),
        by=v.admin,
    )
    with pytest.raises(VoiceError) as refused:
        services.question_add(
            consultation=draft, kind="choice", text="Q", choices=["Yes"], by=v.admin
        )
    assert refused.value.field == "choices"
    with pytest.raises(VoiceError, match="Add a question"):
        services.consultation_open(consultation=draft, by=v.admin)


def test_questions_are_fixed_once_open(v, opened):
    with pytest.raises(VoiceError, match="fixed"):
        services.question_add(consultation=opened, kind="text", text="Late", choices=[], by=v.admin)


def test_an_answer_is_checked_whole_before_anything_is_written(v, opened):
    bad = answers(opened, scale=7)
    with pytest.raises(VoiceError, match="from 1 to 5"):
        services.response_submit(
            consultation=opened, organisation_key="practice-A00001", answers=bad, by=v.manager
        )
    with pytest.raises(VoiceError, match="Choose one"):
        services.response_submit(
            consultation=opened,
            organisation_key="practice-A00001",
            answers=answers(opened, choice="Maybe"),
            by=v.manager,
        )
    assert not Response.objects.exists()


def test_free_text_with_an_nhs_number_is_refused(v, opened):
    with pytest.raises(VoiceError, match="NHS number") as refused:
        services.response_submit(
            consultation=opened,
            organisation_key="practice-A00001",
            answers=answers(opened, text="Patient 943 476 5919 waited"),
            by=v.manager,
        )
    assert refused.value.field.startswith("q")
    assert not Response.objects.exists()


def test_an_organisation_outside_the_audience_is_refused(v, opened):
    with pytest.raises(VoiceError, match="not asked"):
        services.response_submit(
            consultation=opened,
            organisation_key="practice-B00009",
            answers=answers(opened),
            by=v.other_admin,
        )


def test_a_change_replaces_the_answer_and_is_audited(v, opened):
    services.response_submit(
        consultation=opened,
        organisation_key="practice-A00001",
        answers=answers(opened),
        by=v.manager,
    )
    services.response_submit(
        consultation=opened,
        organisation_key="practice-A00001",
        answers=answers(opened, choice="No", scale=1),
        by=v.manager2,
    )
    response = Response.objects.get()
    assert response.responder_name == "Kim Second"
    assert response.changed_at is not None
    assert sorted(selectors.answers_of(response).values(), key=str) == [1, "No"]
    change = AuditEvent.objects.get(action="voice.response.change")
    scale = next(q.pk for q in opened.questions.all() if q.kind == "scale")
    assert change.changes[f"q{scale}"] == [3, 1]


def test_no_answer_after_the_deadline(v, opened):
    Consultation.objects.filter(pk=opened.pk).update(
        opens_on=today() - timedelta(days=9), closes_on=today() - timedelta(days=1)
    )
    opened.refresh_from_db()
    with pytest.raises(VoiceError, match="not open"):
        services.response_submit(
            consultation=opened,
            organisation_key="practice-A00001",
            answers=answers(opened),
            by=v.manager,
        )


def test_the_database_holds_one_response_per_organisation(v, opened):
    Response.objects.create(
        consultation=opened,
        practice=v.practices["A00001"],
        responder_name="A",
        submitted_at=timezone.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(
            consultation=opened,
            practice=v.practices["A00001"],
            responder_name="B",
            submitted_at=timezone.now(),
        )


def test_two_people_answering_at_once_the_second_is_told_who_answered(v, opened):
    """Both requests find no answer yet (the second's check ran before the first wrote): the
    database keeps the first, and the second is refused naming who gave it."""
    services.response_submit(
        consultation=opened,
        organisation_key="practice-A00001",
        answers=answers(opened),
        by=v.manager,
    )
    real = selectors.response_of
    calls = []

    def as_if_not_yet(consultation, organisation):
        calls.append(1)
        return None if len(calls) == 1 else real(consultation, organisation)

    with (
        mock.patch.object(selectors, "response_of", as_if_not_yet),
        pytest.raises(VoiceError, match="given by Pat Manager"),
    ):
        services.response_submit(
            consultation=opened,
            organisation_key="practice-A00001",
            answers=answers(opened, choice="No"),
            by=v.manager2,
        )
    assert Response.objects.count() == 1
    assert Response.objects.get().responder_name == "Pat Manager"


def test_reminders_go_once_a_round_to_those_who_have_not_answered(
    v, opened, django_capture_on_commit_callbacks
):
    services.response_submit(
        consultation=opened,
        organisation_key="practice-A00001",
        answers=answers(opened),
        by=v.manager,
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reminder_round_start(consultation=opened, by=v.admin)
    # Harbour PCN's clinical director; the other practices and Valley PCN have nobody to email
    assert [m.to for m in mail.outbox] == [["cd@voice.example"]]
    assert "Shared hubs" in mail.outbox[0].subject
    assert Reminder.objects.filter(round=first).count() == 5
    assert remind(first.pk) == 0  # the task again (a retry, a second worker): nobody twice
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_round_start(consultation=opened, by=v.admin)
    assert len(mail.outbox) == 2


def test_a_network_reminds_member_federations_administrators(v, django_capture_on_commit_callbacks):
    network = open_consultation(v, network=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_round_start(consultation=network, by=v.network_admin)
    assert sorted(tuple(m.to) for m in mail.outbox) == [
        ("admin@other.example",),
        ("admin@voice.example", "secretary@voice.example"),
    ]


def test_results_from_the_database_sit_each_response_in_its_pcn_icb_and_region(v, opened):
    for key, by, choice, scale in [
        ("practice-A00001", v.manager, "Yes", 5),
        ("practice-A00003", v.admin, "No", 2),
        ("practice-A00004", v.admin, "Yes", 4),
        ("pcn-U00001", v.cd, "Yes", 3),
    ]:
        services.response_submit(
            consultation=opened,
            organisation_key=key,
            answers=answers(opened, choice=choice, scale=scale, text=f"From {key}"),
            by=by,
        )
    result = selectors.results_of(opened)
    by_pcn = {g.label: g.responses for g in result.by["pcn"]}
    assert by_pcn == {"Harbour PCN": 2, "Valley PCN": 1, "No PCN": 1}
    assert {g.label: g.responses for g in result.by["icb"]} == {"First ICB": 2, "Second ICB": 2}
    assert {g.label: g.responses for g in result.by["region"]} == {"Midlands": 4}
    assert {g.label: g.responses for g in result.by["type"]} == {"PCN": 1, "Practice": 3}
    assert str(result.overall.tallies[1].mean) == "3.5"
    assert len(result.free_text) == 4


def test_a_network_consultation_places_a_federation_by_its_practices(v):
    network = open_consultation(v, network=True)
    services.response_submit(
        consultation=network,
        organisation_key="federation-voice-fed",
        answers=answers(network),
        by=v.admin,
    )
    row = selectors.result_rows(network)[0]
    assert (row.kind, row.icb.name, row.region.name) == ("Federation", "First ICB", "Midlands")


def test_the_outcome_is_published_after_the_deadline_with_its_bulletin(v, opened):
    bulletin = bulletin_save(
        Bulletin(federation=v.federation, title="You said", body="We did"), by=None
    )
    with pytest.raises(VoiceError, match="after the deadline"):
        services.outcome_publish(
            consultation=opened, outcome="We heard", bulletin=bulletin, by=v.admin
        )
    Consultation.objects.filter(pk=opened.pk).update(
        opens_on=today() - timedelta(days=9), closes_on=today() - timedelta(days=1)
    )
    opened.refresh_from_db()
    theirs = bulletin_save(Bulletin(federation=v.other, title="Theirs", body="No"), by=None)
    with pytest.raises(VoiceError) as refused:
        services.outcome_publish(
            consultation=opened, outcome="We heard", bulletin=theirs, by=v.admin
        )
    assert refused.value.field == "bulletin"
    services.outcome_publish(consultation=opened, outcome="We heard", bulletin=bulletin, by=v.admin)
    opened.refresh_from_db()
    assert opened.is_published and opened.bulletin == bulletin
    assert bulletin.consultations.get() == opened


def test_engagement_is_for_member_practices_only(v):
    with pytest.raises(VoiceError, match="not a member"):
        services.engagement_set(
            federation=v.federation,
            practice=v.outsider,
            agreement_signed_on=today(),
            lead_name="",
            lead_nominated_on=None,
            by=v.admin,
        )
    with pytest.raises(VoiceError) as refused:
        services.engagement_set(
            federation=v.federation,
            practice=v.practices["A00001"],
            agreement_signed_on=None,
            lead_name="",
            lead_nominated_on=today(),
            by=v.admin,
        )
    assert refused.value.field == "lead_name"


def test_progress_counts_commitment_at_each_months_end(v):
    day = today().replace(day=1) - timedelta(days=1)  # the end of last month
    earlier = day.replace(day=1) - timedelta(days=1)  # the month before's end
    services.engagement_set(
        federation=v.federation,
        practice=v.practices["A00001"],
        agreement_signed_on=earlier,
        lead_name="Lee",
        lead_nominated_on=day,
        by=v.admin,
    )
    services.engagement_set(
        federation=v.federation,
        practice=v.practices["A00002"],
        agreement_signed_on=day,
        lead_name="",
        lead_nominated_on=None,
        by=v.admin,
    )
    services.attendance_record(
        federation=v.federation,
        meeting_on=day,
        meeting="Members' meeting",
        practices=[v.practices["A00001"], v.practices["A00003"]],
        by=v.admin,
    )
    progress = selectors.progress_of(v.federation)
    by_month = {row["month"]: row for row in progress}
    assert by_month[earlier] == {
        "month": earlier,
        "signed": 1,
        "leads": 0,
        "attended": 0,
        "milestones": 0,
    }
    assert by_month[day] == {"month": day, "signed": 2, "leads": 1, "attended": 2, "milestones": 0}
