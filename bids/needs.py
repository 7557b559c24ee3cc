"""What needs a person today in the bids pipeline: the items the home page (home/needs.py) and
``GET /api/v1/me/needs`` list, each naming only what the person may open.

* For those who run a federation's bids (its administrators and finance leads): a clarification
  or submission deadline in the next 14 days of an opportunity not yet submitted.
* For a practice's manager: an open opportunity their practice is asked to commit to and has
  not answered, in the federation that granted the role.

From the person's own roles, never from all an installation administrator may open. Two
queries, whatever the number of opportunities."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts import permissions as perms
from accounts.models import Role
from bids.access import RUNNERS
from bids.models import CLOSED, Commitment, Opportunity, Stage
from kernel.needs import INFO, SOON, URGENT, Need, date_text

DEADLINE_AHEAD_DAYS = 14  # a deadline this close is listed
DEADLINE_URGENT_DAYS = 3  # and this close, urgent
BEFORE_SUBMISSION = (Stage.IDENTIFIED, Stage.BID_NO_BID, Stage.PREPARING)


def bids_needs(user, today: date) -> list[Need]:
    scope = perms.scope_for(user)
    return _deadline_needs(scope.federation_ids(*RUNNERS), today) + _commitment_needs(
        scope.practice_pairs(Role.PRACTICE_MANAGER), today
    )


def _severity(day: date, today: date) -> str:
    return URGENT if day <= today + timedelta(days=DEADLINE_URGENT_DAYS) else SOON


def _deadline_needs(federation_ids: set[int], today: date) -> list[Need]:
    if not federation_ids:
        return []
    start = max(timezone.now(), timezone.make_aware(datetime.combine(today, time())))
    stop = timezone.make_aware(
        datetime.combine(today + timedelta(days=DEADLINE_AHEAD_DAYS + 1), time())
    )
    needs = []
    for opportunity in (
        Opportunity.objects.filter(federation_id__in=federation_ids, stage__in=BEFORE_SUBMISSION)
        .filter(
            Q(clarification_deadline__gte=start, clarification_deadline__lt=stop)
            | Q(submission_deadline__gte=start, submission_deadline__lt=stop)
        )
        .select_related("federation")
        .order_by("pk")
    ):
        for what, when in (
            ("Clarification questions", opportunity.clarification_deadline),
            ("Submission", opportunity.submission_deadline),
        ):
            if when is None or not start <= when < stop:
                continue
            local = timezone.localtime(when)
            needs.append(
                Need(
                    area="bids",
                    title=(
                        f"{what} deadline for {opportunity.title}: {date_text(local.date())} "
                        f"at {local:%H:%M}"
                    ),
                    detail=(
                        f"{opportunity.federation.name}: {opportunity.buyer}'s tender, "
                        f"{opportunity.get_stage_display().lower()}."
                    ),
                    url=reverse(
                        "bids:opportunity", args=[opportunity.federation.slug, opportunity.pk]
                    ),
                    due=local.date(),
                    severity=_severity(local.date(), today),
                )
            )
    return needs


def _commitment_needs(pairs: set[tuple[int, int]], today: date) -> list[Need]:
    """Commitments not answered on open opportunities, for the practices this person manages
    through the federation that asks (one query)."""
    if not pairs:
        return []
    within = Q()
    for practice_id, federation_id in pairs:
        within |= Q(practice_id=practice_id, opportunity__federation_id=federation_id)
    needs = []
    for commitment in (
        Commitment.objects.filter(within, answer=Commitment.Answer.ASKED)
        .exclude(opportunity__stage__in=CLOSED)
        .select_related("practice", "opportunity__federation")
        .order_by("opportunity__submission_deadline", "opportunity_id", "practice__name")
    ):
        opportunity = commitment.opportunity
        deadline = (
            timezone.localtime(opportunity.submission_deadline).date()
            if opportunity.submission_deadline
            else None
        )
        needs.append(
            Need(
                area="bids",
                title=f"{commitment.practice.name} is asked to commit to {opportunity.title}",
                detail=(
                    f"{opportunity.federation.name} asks whether {commitment.practice.name} "
                    "will take part if the bid is won"
                    + (f"; the bid is due on {date_text(deadline)}." if deadline else ".")
                ),
                url=reverse("bids:commitment", args=[opportunity.federation.slug, opportunity.pk]),
                due=deadline,
                severity=(
                    INFO
                    if deadline is None or deadline > today + timedelta(days=DEADLINE_AHEAD_DAYS)
                    else URGENT
                    if deadline <= today + timedelta(days=DEADLINE_URGENT_DAYS)
                    else SOON
                ),
            )
        )
    return needs
