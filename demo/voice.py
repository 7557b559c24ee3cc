"""The demo's members' voice: an open consultation of the demo federation's practices and PCNs
with some answers in (the demo practice and the demo clinical director's PCN have not yet
answered, so they can), a consultation of the network's member federations (the demo
federation has not answered), and a federating programme with milestones and commitments.
The people named are made up."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from registry.models import Federation, Network, Practice
from registry.selectors import federation_member_ids_on, today
from voice import selectors as voice_selectors
from voice import services as voice
from voice.models import Consultation, Milestone, Response

RESPONDERS = ["Alex Morgan", "Sam Patel", "Jo Whitfield", "Chris Okafor", "Priya Nair", "Tom Reid"]
KEEP_FOR_THE_DEMO = {
    "practice-C82001",
    "pcn-U30213",
    "federation-east-leicestershire-and-rutland-gp-federation",
}


def _answers(questions, n: int) -> dict:
    values = {}
    for question in questions:
        if question.kind == "choice":
            values[question.pk] = question.choices[n % len(question.choices)]
        elif question.kind == "scale":
            values[question.pk] = 1 + (n * 3) % 5
        elif n % 3 == 0:
            values[question.pk] = [
                "We would share a hub if the travel is under twenty minutes for patients.",
                "Saturday mornings work; evenings are harder for our reception team.",
                "Please keep the booking in our own clinical system.",
            ][(n // 3) % 3]
    return values


def _answer_some(consultation: Consultation, every: int, *, by) -> int:
    answered = 0
    questions = list(consultation.questions.all())
    for n, key in enumerate(voice_selectors.audience_of(consultation)):
        if key in KEEP_FOR_THE_DEMO or n % every:
            continue
        response = voice.response_submit(
            consultation=consultation,
            organisation_key=key,
            answers=_answers(questions, n),
            by=by,
        )
        Response.objects.filter(pk=response.pk).update(
            responder_name=RESPONDERS[n % len(RESPONDERS)]
        )
        answered += 1
    return answered


def _questions(consultation: Consultation, items, *, by) -> Consultation:
    for kind, text, choices in items:
        voice.question_add(
            consultation=consultation,
            kind=kind,
            text=text,
            choices=choices,
            required=kind != "text",
            by=by,
        )
    return voice.consultation_open(consultation=consultation, by=by)


@transaction.atomic
def demo_voice(federation: Federation, users: list) -> list[str]:
    """Lines for the loader's summary (none when already there)."""
    if Consultation.objects.filter(federation=federation).exists():
        return []
    day = today()
    admin = users[0]
    local = voice.consultation_create(
        federation=federation,
        title="Extended access hubs from April",
        purpose=(
            "The ICB asks us to run Enhanced Access from three hubs instead of every PCN's own "
            "site. Tell us what it would mean for your patients and staff before the board "
            "decides."
        ),
        audience="practices_and_pcns",
        opens_on=day - timedelta(days=7),
        closes_on=day + timedelta(days=14),
        by=admin,
    )
    local = _questions(
        local,
        [
            ("choice", "Do you support three shared hubs?", ["Yes", "No", "Not sure"]),
            ("scale", "How ready is your practice to book into a hub?", []),
            ("text", "What would make it work for you?", []),
        ],
        by=admin,
    )
    answered = _answer_some(local, 2, by=admin)
    network = Network.objects.filter(memberships__federation=federation).first()
    lines = [f"An open consultation of the member practices and PCNs: {answered} answered."]
    if network is not None:
        national = voice.consultation_create(
            network=network,
            title="The national GP contract: what federations need",
            purpose="Our response to the national consultation on the GP contract.",
            audience="federations",
            opens_on=day - timedelta(days=3),
            closes_on=day + timedelta(days=21),
            by=users[-1],
        )
        national = _questions(
            national,
            [
                ("choice", "Should federations hold the ARRS budget?", ["Yes", "No"]),
                ("scale", "How well does the DES fund Enhanced Access?", []),
                ("text", "Anything else for our response?", []),
            ],
            by=users[-1],
        )
        n = _answer_some(national, 1, by=users[-1])
        lines.append(f"A network consultation of its member federations: {n} answered.")
    _programme(federation, by=admin)
    return lines


def _programme(federation: Federation, *, by) -> None:
    day = today()
    for title, owner, due, rag, done in [
        ("Every practice engaged and its commitment gauged", "Demo COO", -120, "green", -130),
        ("Leads identified, with time to give", "Dr Helen Carter", -60, "green", -70),
        ("The vision agreed by the members", "Demo board member", 30, "amber", None),
        ("Legal and accountancy support in place", "Demo finance lead", 60, "red", None),
    ]:
        Milestone.objects.create(
            federation=federation,
            title=title,
            owner=owner,
            due_on=day + timedelta(days=due),
            rag=rag,
            completed_on=day + timedelta(days=done) if done else None,
        )
    practices = federation_member_ids_on(federation, day)
    members = list(Practice.objects.filter(pk__in=practices).order_by("code"))
    for n, practice in enumerate(members):
        if n % 4 == 3:
            continue
        voice.engagement_set(
            federation=federation,
            practice=practice,
            agreement_signed_on=day - timedelta(days=200 - 5 * n) if n % 3 != 2 else None,
            lead_name=RESPONDERS[n % len(RESPONDERS)] if n % 2 == 0 else "",
            lead_nominated_on=day - timedelta(days=150 - 4 * n) if n % 2 == 0 else None,
            by=by,
        )
    for months_ago, title in [(5, "Members' meeting"), (2, "Members' meeting")]:
        came = [p for n, p in enumerate(members) if (n + months_ago) % 3]
        voice.attendance_record(
            federation=federation,
            meeting_on=day - timedelta(days=30 * months_ago),
            meeting=title,
            practices=came,
            by=by,
        )
