"""What needs a person today in the members' voice: the items the home page (home/needs.py) and
``GET /api/v1/me/needs`` list, each naming only what the person may open.

* A consultation open today that waits for the answer of an organisation this person answers
  for (a practice's manager, a PCN's clinical director, within the federation that granted the
  role; a federation's administrator or company secretary in a network's consultation), with
  its deadline.
* The outcome of a consultation published in the last 30 days ("you said, we did"), for the
  people of the federation (or network) that ran it, other than those who run it.

Answers come from the person's own roles, never from everything an installation administrator
may open: a consultation is not theirs to answer because they could."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts import permissions as perms
from accounts.models import Role
from kernel.needs import INFO, SOON, URGENT, Need, date_text
from registry.models import NetworkMembership
from registry.selectors import covering
from voice.access import RUNNERS
from voice.models import Consultation
from voice.selectors import answered_keys, audience_of

ANSWER_URGENT_DAYS = 3  # a deadline this close (or today) is urgent
ANSWER_SOON_DAYS = 14  # and this close, soon
PUBLISHED_DAYS = 30  # an outcome published this recently is worth knowing


def voice_needs(user, today: date) -> list[Need]:
    scope = perms.scope_for(user)
    return _answer_needs(scope, today) + _outcome_needs(scope, today)


def _mine(scope, consultation: Consultation) -> dict[str, object]:
    """The organisations of the consultation's audience this person answers for by their own
    roles (``voice.access.answers_for`` without an installation administrator's reach)."""
    audience = audience_of(consultation)
    if consultation.network_id:
        federations = scope.federation_ids(*RUNNERS)
        return {
            k: o for k, o in audience.items() if k.startswith("federation-") and o.pk in federations
        }
    fed = consultation.federation_id
    practices = {p for p, f in scope.practice_pairs(Role.PRACTICE_MANAGER) if f == fed}
    pcns = {p for p, f in scope.pcn_pairs(Role.PCN_CLINICAL_DIRECTOR) if f == fed}
    return {
        k: o
        for k, o in audience.items()
        if (k.startswith("practice-") and o.pk in practices)
        or (k.startswith("pcn-") and o.pk in pcns)
    }


def _answer_needs(scope, today: date) -> list[Need]:
    practice_feds = {f for _, f in scope.practice_pairs(Role.PRACTICE_MANAGER)}
    pcn_feds = {f for _, f in scope.pcn_pairs(Role.PCN_CLINICAL_DIRECTOR)}
    runs = scope.federation_ids(*RUNNERS)
    networks = covering(NetworkMembership.objects.filter(federation_id__in=runs), today).values(
        "network_id"
    )
    where = Q(federation_id__in=practice_feds | pcn_feds)
    if runs:
        where |= Q(network_id__in=networks)
    if not (practice_feds or pcn_feds or runs):
        return []
    needs = []
    for consultation in (
        Consultation.objects.filter(
            where,
            opened_at__isnull=False,
            outcome_published_at__isnull=True,
            opens_on__lte=today,
            closes_on__gte=today,
        )
        .select_related("federation", "network")
        .order_by("closes_on", "pk")
    ):
        mine = _mine(scope, consultation)
        if not mine:
            continue
        answered = answered_keys(consultation)
        for key, organisation in mine.items():
            if key in answered:
                continue
            needs.append(_answer_need(consultation, key, organisation, today))
    return needs


def _answer_need(consultation: Consultation, key: str, organisation, today: date) -> Need:
    deadline = consultation.closes_on
    left = (deadline - today).days
    return Need(
        area="voice",
        title=(f"Answer “{consultation.title}” for {organisation.name} by {date_text(deadline)}"),
        detail=(
            f"{consultation.owner.name} asks {organisation.name} for its answer; answers are "
            f"taken to the end of {date_text(deadline)}."
        ),
        url=reverse("voice:answer", args=[consultation.pk, key]),
        due=deadline,
        severity=URGENT
        if left <= ANSWER_URGENT_DAYS
        else SOON
        if left <= ANSWER_SOON_DAYS
        else INFO,
    )


def _outcome_needs(scope, today: date) -> list[Need]:
    """Outcomes published lately, for the people of the federation or network that ran the
    consultation (the federation's own people; a network's administrators and the people of
    its member federations), less those who run it (they published it)."""
    own = scope.within_ids()
    if not (own or scope.network_ids()):
        return []
    networks = Q(network_id__in=scope.network_ids()) | Q(
        network_id__in=covering(
            NetworkMembership.objects.filter(federation_id__in=own), today
        ).values("network_id")
    )
    since = timezone.make_aware(datetime.combine(today - timedelta(days=PUBLISHED_DAYS), time()))
    runs = scope.federation_ids(*RUNNERS)
    administers = scope.network_ids()
    needs = []
    for consultation in (
        Consultation.objects.filter(
            Q(federation_id__in=own) | networks,
            outcome_published_at__gte=since,
        )
        .exclude(federation_id__in=runs)
        .exclude(network_id__in=administers)
        .select_related("federation", "network")
        .order_by("-outcome_published_at", "pk")
    ):
        published = timezone.localtime(consultation.outcome_published_at).date()
        needs.append(
            Need(
                area="voice",
                title=f"Results published: {consultation.title}",
                detail=(
                    f"{consultation.owner.name} published the results and what it will do "
                    f"(“you said, we did”) on {date_text(published)}."
                ),
                url=reverse("voice:results", args=[consultation.pk]),
                severity=INFO,
            )
        )
    return needs
