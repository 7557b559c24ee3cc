"""Reads of the members' voice: a consultation's audience (keyed ``practice-C82001``,
``pcn-U30213``, ``federation-<slug>``), who has answered, the rows its results are rolled up
from (a bounded number of queries, whatever the number of responses), the federating
programme and its progress month by month."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import Q

from directory.selectors import places
from registry.models import (
    PCN,
    Federation,
    FederationMembership,
    Network,
    NetworkMembership,
    Practice,
    PracticePCN,
)
from registry.selectors import covering, federation_member_ids_on, today
from voice import rollup
from voice.models import Answer, Attendance, Consultation, Engagement, Milestone, Response

KIND_NAMES = {"practice": "Practice", "pcn": "PCN", "federation": "Federation"}


def audience_day(consultation: Consultation, day: date | None = None) -> date:
    """The day the audience is taken on: today, held within the consultation's dates."""
    day = day or today()
    return min(max(day, consultation.opens_on), consultation.closes_on)


def organisation_key(organisation) -> str:
    if isinstance(organisation, Practice):
        return f"practice-{organisation.code}"
    if isinstance(organisation, PCN):
        return f"pcn-{organisation.code}"
    return f"federation-{organisation.slug}"


def audience_of(consultation: Consultation, day: date | None = None) -> dict[str, object]:
    """Every organisation asked, by key, in name order."""
    day = audience_day(consultation, day)
    found: list = []
    if consultation.network_id:
        ids = covering(
            NetworkMembership.objects.filter(network_id=consultation.network_id), day
        ).values("federation_id")
        found = list(Federation.objects.filter(pk__in=ids))
    else:
        member_ids = federation_member_ids_on(consultation.federation, day)
        if consultation.audience != "pcns":
            found += list(Practice.objects.filter(pk__in=member_ids))
        if consultation.audience != "practices":
            pcn_ids = covering(PracticePCN.objects.filter(practice_id__in=member_ids), day).values(
                "pcn_id"
            )
            found += list(PCN.objects.filter(pk__in=pcn_ids))
    found.sort(key=lambda o: (o.name, organisation_key(o)))
    return {organisation_key(o): o for o in found}


def response_of(consultation: Consultation, organisation) -> Response | None:
    field = {Practice: "practice", PCN: "pcn"}.get(type(organisation), "respondent_federation")
    return (
        Response.objects.filter(consultation=consultation, **{field: organisation})
        .select_related("responder")
        .first()
    )


def answers_of(response: Response | None) -> dict[int, object]:
    if response is None:
        return {}
    return {
        a.question_id: (a.scale if a.scale is not None else (a.choice or a.text))
        for a in response.answers.all()
    }


def answered_keys(consultation: Consultation) -> set[str]:
    keys = set()
    for practice, pcn, slug in Response.objects.filter(consultation=consultation).values_list(
        "practice__code", "pcn__code", "respondent_federation__slug"
    ):
        keys.add(
            f"practice-{practice}" if practice else f"pcn-{pcn}" if pcn else f"federation-{slug}"
        )
    return keys


def not_answered(consultation: Consultation, day: date | None = None) -> dict[str, object]:
    answered = answered_keys(consultation)
    return {k: o for k, o in audience_of(consultation, day).items() if k not in answered}


def consultations_of(owner) -> list[Consultation]:
    field = "network" if isinstance(owner, Network) else "federation"
    return list(
        Consultation.objects.filter(**{field: owner}).prefetch_related("questions", "responses")
    )


def status_of(consultation: Consultation, day: date | None = None) -> str:
    day = day or today()
    if consultation.is_draft:
        return "Draft"
    if consultation.is_published:
        return "Outcome published"
    if day < consultation.opens_on:
        return "Opens soon"
    if day > consultation.closes_on:
        return "Closed"
    return "Open"


def is_open(consultation: Consultation, day: date | None = None) -> bool:
    return status_of(consultation, day) == "Open"


# --- results ---------------------------------------------------------------------------------


def question_specs(consultation: Consultation) -> list[rollup.QuestionSpec]:
    return [
        rollup.QuestionSpec(q.pk, q.kind, q.text, tuple(q.choices))
        for q in consultation.questions.all()
    ]


def _place(commissioner) -> rollup.Place | None:
    return rollup.Place(commissioner.code, commissioner.display_name) if commissioner else None


def result_rows(consultation: Consultation) -> list[rollup.Row]:
    """Each response with where its organisation sits on the audience day (a practice's PCN,
    ICB and region; a PCN's ICB and region from its sub-ICB location; a federation's the most
    common of its practices')."""
    day = audience_day(consultation)
    responses = list(
        Response.objects.filter(consultation=consultation).select_related(
            "practice", "pcn__sub_icb__parent__parent", "respondent_federation"
        )
    )
    answers: dict[int, dict[int, object]] = {}
    for response_id, question_id, choice, scale, text in Answer.objects.filter(
        response__consultation=consultation
    ).values_list("response_id", "question_id", "choice", "scale", "text"):
        answers.setdefault(response_id, {})[question_id] = (
            scale if scale is not None else (choice or text)
        )
    practice_ids = [r.practice_id for r in responses if r.practice_id]
    federation_ids = [r.respondent_federation_id for r in responses if r.respondent_federation_id]
    held = {}
    if federation_ids:
        for federation_id, practice_id in covering(
            FederationMembership.objects.filter(federation_id__in=federation_ids),
            day,
        ).values_list("federation_id", "practice_id"):
            held.setdefault(federation_id, []).append(practice_id)
    where = places([*practice_ids, *(p for ids in held.values() for p in ids)], day)
    pcn_of = {
        spell.practice_id: spell.pcn
        for spell in covering(
            PracticePCN.objects.filter(practice_id__in=practice_ids), day
        ).select_related("pcn")
    }
    rows = []
    for response in responses:
        organisation = response.organisation
        row = rollup.Row(
            key=organisation_key(organisation),
            name=organisation.name,
            kind=KIND_NAMES[organisation_key(organisation).partition("-")[0]],
            answers=answers.get(response.pk, {}),
        )
        if response.practice_id:
            pcn = pcn_of.get(response.practice_id)
            row.pcn = rollup.Place(pcn.code, pcn.name) if pcn else None
            place = where.get(response.practice_id)
            row.icb, row.region = (
                (_place(place.icb), _place(place.region)) if place else (None, None)
            )
        elif response.pcn_id:
            pcn = response.pcn
            row.pcn = rollup.Place(pcn.code, pcn.name)
            icb = pcn.sub_icb.parent if pcn.sub_icb else None
            row.icb, row.region = _place(icb), _place(icb.parent if icb else None)
        else:
            found = [
                where[p] for p in held.get(response.respondent_federation_id, []) if p in where
            ]
            row.icb = _commonest([_place(p.icb) for p in found])
            row.region = _commonest([_place(p.region) for p in found])
        rows.append(row)
    return rows


def _commonest(items: list) -> rollup.Place | None:
    counted = Counter(i for i in items if i)
    return min(counted, key=lambda p: (-counted[p], p.code)) if counted else None


def results_of(consultation: Consultation) -> rollup.Rollup:
    return rollup.roll_up(question_specs(consultation), result_rows(consultation))


# --- the federating programme -------------------------------------------------------------


def milestones_of(federation: Federation) -> list[Milestone]:
    return list(Milestone.objects.filter(federation=federation))


def engagement_rows(federation: Federation, day: date | None = None) -> list[dict]:
    """Each member practice with its agreement, lead and the members' meetings it came to."""
    day = day or today()
    practices = list(
        Practice.objects.filter(pk__in=federation_member_ids_on(federation, day)).order_by("name")
    )
    engagements = {e.practice_id: e for e in Engagement.objects.filter(federation=federation)}
    attended: dict[int, list[Attendance]] = {}
    for a in Attendance.objects.filter(federation=federation):
        attended.setdefault(a.practice_id, []).append(a)
    return [
        {
            "practice": p,
            "engagement": engagements.get(p.pk),
            "meetings": attended.get(p.pk, []),
        }
        for p in practices
    ]


def meetings_of(federation: Federation) -> list[dict]:
    meetings: dict[date, dict] = {}
    for a in Attendance.objects.filter(federation=federation):
        entry = meetings.setdefault(a.meeting_on, {"on": a.meeting_on, "title": a.meeting, "n": 0})
        entry["n"] += 1
    return sorted(meetings.values(), key=lambda m: m["on"])


def _month_ends(first: date, last: date) -> list[date]:
    ends = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        following = date(year + (month == 12), month % 12 + 1, 1)
        ends.append(min(date.fromordinal(following.toordinal() - 1), last))
        year, month = following.year, following.month
    return ends


def progress_of(federation: Federation, day: date | None = None, months: int = 18) -> list[dict]:
    """Month by month, to ``day``: how many member practices had signed the membership
    agreement, had a nominated lead, had come to a members' meeting, and how many milestones
    were complete, at each month's end (at most the last ``months``)."""
    day = day or today()
    engagements = list(Engagement.objects.filter(federation=federation))
    attendance = list(
        Attendance.objects.filter(federation=federation).values_list("practice_id", "meeting_on")
    )
    completed = [
        m
        for m in Milestone.objects.filter(federation=federation).values_list(
            "completed_on", flat=True
        )
        if m
    ]
    dates = [
        *(e.agreement_signed_on for e in engagements if e.agreement_signed_on),
        *(e.lead_nominated_on for e in engagements if e.lead_nominated_on),
        *(on for _, on in attendance),
        *completed,
    ]
    dates = [d for d in dates if d <= day]
    if not dates:
        return []
    ends = _month_ends(min(dates), day)[-months:]
    rows = []
    for end in ends:
        rows.append(
            {
                "month": end,
                "signed": sum(
                    1 for e in engagements if e.agreement_signed_on and e.agreement_signed_on <= end
                ),
                "leads": sum(
                    1 for e in engagements if e.lead_nominated_on and e.lead_nominated_on <= end
                ),
                "attended": len({p for p, on in attendance if on <= end}),
                "milestones": sum(1 for c in completed if c <= end),
            }
        )
    return rows


def visible_consultations(user, federations, networks) -> list[Consultation]:
    """Consultations of these federations and networks (the caller has chosen those the
    person may see something of)."""
    return list(
        Consultation.objects.filter(
            Q(federation__in=federations) | Q(network__in=networks)
        ).select_related("federation", "network")
    )
