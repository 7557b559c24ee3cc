"""Writes of the members' voice. Each takes the acting user as ``by=``, runs in one
transaction, records an audit event and raises ``VoiceError`` with a message a person can act
on and the field it is about."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from comms.models import Bulletin
from kernel.headers import has_line_break
from kernel.uploads import contains_nhs_number
from registry.models import PCN, Federation, Network, Practice
from registry.selectors import federation_member_ids_on, today
from voice import rollup, selectors, tasks
from voice.errors import VoiceError
from voice.models import (
    Answer,
    Attendance,
    Audience,
    Consultation,
    Engagement,
    Milestone,
    Question,
    ReminderRound,
    Response,
)


def _owners(consultation: Consultation) -> dict:
    return {"federation": consultation.federation, "network": consultation.network}


@transaction.atomic
def consultation_create(
    *,
    title: str,
    purpose: str,
    opens_on: date,
    closes_on: date,
    by,
    audience: str = "",
    federation: Federation | None = None,
    network: Network | None = None,
) -> Consultation:
    """A draft consultation; a network's asks its member federations, whatever ``audience``
    says."""
    if (federation is None) == (network is None):
        raise VoiceError("A consultation is a federation's or a network's.")
    if network is not None:
        audience = Audience.FEDERATIONS
    elif audience not in (Audience.PRACTICES, Audience.PCNS, Audience.PRACTICES_AND_PCNS):
        raise VoiceError("Choose the practices, the PCNs or both.", field="audience")
    if not title.strip() or has_line_break(title):
        raise VoiceError("Give the consultation a title on one line.", field="title")
    if closes_on < opens_on:
        raise VoiceError("The deadline is on or after the day it opens.", field="closes_on")
    consultation = Consultation.objects.create(
        federation=federation,
        network=network,
        title=title.strip(),
        purpose=purpose,
        audience=audience,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=by if getattr(by, "pk", None) else None,
    )
    audit_record(
        by=by,
        action="voice.consultation.create",
        obj=consultation,
        after={"title": consultation.title, "audience": audience, "closes_on": closes_on},
        federation=federation,
        network=network,
    )
    return consultation


@transaction.atomic
def question_add(
    *, consultation: Consultation, kind: str, text: str, choices: list[str], by, required=True
) -> Question:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not consultation.is_draft:
        raise VoiceError("Questions are fixed once the consultation is open.")
    if kind not in Question.Kind.values:
        raise VoiceError("Choose what kind of question it is.", field="kind")
    if not text.strip():
        raise VoiceError("Write the question.", field="text")
    choices = [c.strip() for c in choices if c.strip()] if kind == "choice" else []
    if kind == "choice" and len(set(choices)) < 2:
        raise VoiceError("A choice question needs at least two different answers.", "choices")
    if len(set(choices)) != len(choices):
        raise VoiceError("Each answer to choose from appears once.", field="choices")
    position = consultation.questions.count() + 1
    question = Question.objects.create(
        consultation=consultation,
        position=position,
        kind=kind,
        text=text.strip(),
        choices=choices,
        required=required,
    )
    audit_record(
        by=by,
        action="voice.question.add",
        obj=question,
        after={"text": question.text, "kind": kind, "choices": choices},
        **_owners(consultation),
    )
    return question


@transaction.atomic
def consultation_open(*, consultation: Consultation, by) -> Consultation:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not consultation.is_draft:
        raise VoiceError("The consultation is already open.")
    if not consultation.questions.exists():
        raise VoiceError("Add a question before opening the consultation.")
    if consultation.closes_on < today():
        raise VoiceError("The deadline has passed: set a new consultation.")
    consultation.opened_at = timezone.now()
    consultation.save(update_fields=["opened_at"])
    audit_record(
        by=by,
        action="voice.consultation.open",
        obj=consultation,
        after={"opened_at": consultation.opened_at},
        **_owners(consultation),
    )
    return consultation


def _clean_answers(consultation: Consultation, answers: dict) -> dict[int, object]:
    clean = {}
    for question in consultation.questions.all():
        value = answers.get(question.pk)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, ""):
            if question.required:
                raise VoiceError(f"Answer “{question.text}”.", field=f"q{question.pk}")
            continue
        if question.kind == "choice" and value not in question.choices:
            raise VoiceError(f"Choose one of the answers to “{question.text}”.", f"q{question.pk}")
        if question.kind == "text" and contains_nhs_number(value):
            raise VoiceError(
                "Take the NHS number out: gpfed holds no patient's details.", f"q{question.pk}"
            )
        if question.kind == "scale":
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = 0
            if not 1 <= value <= 5:
                raise VoiceError(f"Answer “{question.text}” from 1 to 5.", f"q{question.pk}")
        clean[question.pk] = value
    return clean


def _answer_fields(question: Question, value) -> dict:
    if question.kind == "scale":
        return {"scale": value, "choice": "", "text": ""}
    if question.kind == "choice":
        return {"scale": None, "choice": value, "text": ""}
    return {"scale": None, "choice": "", "text": value}


def _write_answers(response: Response, answers: dict[int, object]) -> None:
    questions = {q.pk: q for q in response.consultation.questions.all()}
    response.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(response=response, question=questions[qid], **_answer_fields(questions[qid], v))
        for qid, v in answers.items()
    )


def _readable(answers: dict[int, object]) -> dict[str, object]:
    return {f"q{k}": v for k, v in sorted(answers.items())}


def response_submit(
    *, consultation: Consultation, organisation_key: str, answers: dict, by
) -> Response:
    """Answer for one organisation of the audience, or change its answer until the
    deadline. Two people answering for the same organisation at once: the database keeps the
    first, and the second is told who answered."""
    consultation = Consultation.objects.select_related("federation", "network").get(
        pk=consultation.pk
    )
    if selectors.status_of(consultation) != "Open":
        raise VoiceError("The consultation is not open for answers.")
    organisation = selectors.audience_of(consultation).get(organisation_key)
    if organisation is None:
        raise VoiceError("That organisation is not asked in this consultation.")
    clean = _clean_answers(consultation, answers)
    field = {Practice: "practice", PCN: "pcn"}.get(type(organisation), "respondent_federation")
    name = str(getattr(by, "full_name", "") or getattr(by, "email", "") or "system")
    with transaction.atomic():
        existing = selectors.response_of(consultation, organisation)
        if existing is None:
            try:
                with transaction.atomic():
                    response = Response.objects.create(
                        consultation=consultation,
                        responder=by if getattr(by, "pk", None) else None,
                        responder_name=name,
                        submitted_at=timezone.now(),
                        **{field: organisation},
                    )
            except IntegrityError:
                given = selectors.response_of(consultation, organisation)
                who = given.responder_name if given else "someone else"
                raise VoiceError(
                    f"{organisation.name} has just answered (given by {who}): open the "
                    "consultation again to see the answer, and change it if you need to."
                ) from None
            _write_answers(response, clean)
            audit_record(
                by=by,
                action="voice.response.submit",
                obj=response,
                after={"organisation": organisation_key, **_readable(clean)},
                **_owners(consultation),
            )
            return response
        response = Response.objects.select_for_update().get(pk=existing.pk)
        before = _readable(selectors.answers_of(response))
        response.responder = by if getattr(by, "pk", None) else None
        response.responder_name = name
        response.changed_at = timezone.now()
        response.save(update_fields=["responder", "responder_name", "changed_at"])
        _write_answers(response, clean)
        audit_record(
            by=by,
            action="voice.response.change",
            obj=response,
            before=before,
            after=_readable(clean),
            **_owners(consultation),
        )
        return response


@transaction.atomic
def reminder_round_start(*, consultation: Consultation, by) -> ReminderRound:
    """A round of reminders, sent by the worker (``voice.tasks.send_reminders``) to each
    organisation that has not answered, once."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if selectors.status_of(consultation) != "Open":
        raise VoiceError("Reminders go only while the consultation is open.")
    if not selectors.not_answered(consultation):
        raise VoiceError("Every organisation asked has answered.")
    number = consultation.reminder_rounds.count() + 1
    round_ = ReminderRound.objects.create(
        consultation=consultation, number=number, started_by=by if getattr(by, "pk", None) else None
    )
    audit_record(
        by=by,
        action="voice.reminders.start",
        obj=round_,
        after={"round": number},
        **_owners(consultation),
    )
    transaction.on_commit(lambda: tasks.send_reminders.enqueue(round_.pk))
    return round_


@transaction.atomic
def outcome_publish(
    *, consultation: Consultation, outcome: str, bulletin: Bulletin, by
) -> Consultation:
    """ "You said, we did": the federation's (or network's) response, published to the same
    audience and linked to the bulletin that announces it. The results are open to the
    members from then."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.is_draft:
        raise VoiceError("The consultation has not been opened.")
    if consultation.closes_on >= today():
        raise VoiceError("Publish the outcome after the deadline has passed.")
    if not outcome.strip():
        raise VoiceError("Say what you heard and what you will do.", field="outcome")
    if bulletin is None or bulletin.sender != consultation.owner:
        raise VoiceError(
            f"Choose a bulletin of {consultation.owner.name} to announce it.", field="bulletin"
        )
    before = {"outcome": consultation.outcome, "bulletin": consultation.bulletin_id}
    consultation.outcome = outcome.strip()
    consultation.bulletin = bulletin
    consultation.outcome_published_at = consultation.outcome_published_at or timezone.now()
    consultation.save(update_fields=["outcome", "bulletin", "outcome_published_at"])
    audit_record(
        by=by,
        action="voice.outcome.publish",
        obj=consultation,
        before=before,
        after={"outcome": consultation.outcome, "bulletin": bulletin.pk},
        **_owners(consultation),
    )
    return consultation


@transaction.atomic
def results_export(consultation: Consultation, *, by, form: str = "csv") -> rollup.Rollup:
    """The results, with an audit record of who took them away (CSV or PDF)."""
    results = selectors.results_of(consultation)
    audit_record(
        by=by,
        action=f"voice.results.export_{form}",
        obj=consultation,
        after={"responses": results.overall.responses},
        **_owners(consultation),
    )
    return results


# --- the federating programme ---------------------------------------------------------------


@transaction.atomic
def milestone_save(
    *,
    federation: Federation,
    title: str,
    owner: str,
    due_on: date,
    rag: str,
    by,
    completed_on: date | None = None,
    milestone: Milestone | None = None,
) -> Milestone:
    if not title.strip():
        raise VoiceError("Name the milestone.", field="title")
    if not owner.strip():
        raise VoiceError("Say who owns the milestone.", field="owner")
    if rag not in Milestone.Rag.values:
        raise VoiceError("Choose red, amber or green.", field="rag")
    if milestone is not None and milestone.federation_id != federation.pk:
        raise VoiceError("No such milestone.")
    before = (
        {k: getattr(milestone, k) for k in ("title", "owner", "due_on", "rag", "completed_on")}
        if milestone
        else {}
    )
    milestone = milestone or Milestone(federation=federation)
    milestone.title, milestone.owner, milestone.due_on = title.strip(), owner.strip(), due_on
    milestone.rag, milestone.completed_on = rag, completed_on
    milestone.save()
    audit_record(
        by=by,
        action="voice.milestone.save",
        obj=milestone,
        before=before,
        after={
            k: getattr(milestone, k) for k in ("title", "owner", "due_on", "rag", "completed_on")
        },
        federation=federation,
    )
    return milestone


def _member(federation: Federation, practice: Practice) -> None:
    if practice.pk not in federation_member_ids_on(federation):
        raise VoiceError(f"{practice.name} is not a member of {federation.name}.")


@transaction.atomic
def engagement_set(
    *,
    federation: Federation,
    practice: Practice,
    agreement_signed_on: date | None,
    lead_name: str,
    lead_nominated_on: date | None,
    by,
) -> Engagement:
    _member(federation, practice)
    if lead_nominated_on and not lead_name.strip():
        raise VoiceError("Name the nominated lead.", field="lead_name")
    if lead_name.strip() and not lead_nominated_on:
        raise VoiceError("Say when the lead was nominated.", field="lead_nominated_on")
    fields = ("agreement_signed_on", "lead_name", "lead_nominated_on")
    engagement, _ = Engagement.objects.select_for_update().get_or_create(
        federation=federation, practice=practice
    )
    before = {k: getattr(engagement, k) for k in fields}
    engagement.agreement_signed_on = agreement_signed_on
    engagement.lead_name = lead_name.strip()
    engagement.lead_nominated_on = lead_nominated_on
    engagement.save()
    audit_record(
        by=by,
        action="voice.engagement.set",
        obj=engagement,
        before=before,
        after={k: getattr(engagement, k) for k in fields},
        federation=federation,
    )
    return engagement


@transaction.atomic
def attendance_record(
    *, federation: Federation, meeting_on: date, meeting: str, practices: list[Practice], by
) -> int:
    """The member practices at a members' meeting; returns how many were newly recorded."""
    if not meeting.strip() or has_line_break(meeting):
        raise VoiceError("Name the meeting on one line.", field="meeting")
    if meeting_on > today():
        raise VoiceError("Record attendance after the meeting.", field="meeting_on")
    for practice in practices:
        _member(federation, practice)
    added = 0
    for practice in practices:
        _, made = Attendance.objects.get_or_create(
            federation=federation,
            practice=practice,
            meeting_on=meeting_on,
            defaults={"meeting": meeting.strip()},
        )
        added += made
    audit_record(
        by=by,
        action="voice.attendance.record",
        obj=federation,
        after={"meeting": meeting.strip(), "on": meeting_on, "practices": added},
        federation=federation,
    )
    return added
