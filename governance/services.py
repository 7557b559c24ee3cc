"""Writes of governance: the articles, the register of members, the allocation of shares by
rule, circulating a resolution and casting (or recording) a vote. Each takes the acting user
as ``by=``, runs in one transaction, records an audit event and raises ``GovernanceError``
with a message a person can act on."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import RoleGrant
from accounts.permissions import FEDERATION_ROLES
from audit.services import audit_record, snapshot
from governance import tally as rules
from governance.errors import GovernanceError, refuse_nhs_numbers
from governance.models import Articles, EligibleMember, Member, Resolution, Vote
from governance.selectors import (
    REGISTER_COLUMNS,
    articles_of,
    register_csv_rows,
    register_of_members,
    share_allocation,
    weights_on,
)
from kernel.headers import has_line_break, refusal
from registry.models import Federation, Practice
from registry.selectors import federation_practices_on, today

__all__ = ["REGISTER_COLUMNS", "GovernanceError"]

ARTICLES_FIELDS = [
    "voting_rule",
    "share_rule",
    "quorum_members",
    "notice_days",
    "written_lapse_days",
]
MEMBER_FIELDS = [
    "practice",
    "nominated_voter",
    "liability",
    "share_class",
    "shares",
    "guarantee_pence",
]
RESOLUTION_FIELDS = [
    "title",
    "kind",
    "mode",
    "weighting",
    "circulated_on",
    "lapses_on",
    "meeting_on",
    "quorum_members",
]


@transaction.atomic
def articles_set(
    *,
    federation: Federation,
    voting_rule: str,
    share_rule: str,
    quorum_members: int,
    notice_days: int,
    written_lapse_days: int,
    by,
) -> Articles:
    if voting_rule not in Articles.VotingRule.values:
        raise GovernanceError(f"Unknown voting rule {voting_rule!r}.", field="voting_rule")
    if share_rule not in Articles.ShareRule.values:
        raise GovernanceError(f"Unknown share rule {share_rule!r}.", field="share_rule")
    if quorum_members < 1:
        raise GovernanceError("A quorum is at least one member.", field="quorum_members")
    if notice_days < 14:
        raise GovernanceError(
            "A general meeting needs at least 14 clear days' notice (s.307).",
            field="notice_days",
        )
    if not 1 <= written_lapse_days <= 365:
        raise GovernanceError(
            "A written resolution lapses after 1 to 365 days (28 unless the articles say "
            "otherwise, s.297).",
            field="written_lapse_days",
        )
    articles = Articles.objects.select_for_update().filter(federation=federation).first()
    before = snapshot(articles, ARTICLES_FIELDS) if articles else None
    articles = articles or Articles(federation=federation)
    articles.voting_rule = voting_rule
    articles.share_rule = share_rule
    articles.quorum_members = quorum_members
    articles.notice_days = notice_days
    articles.written_lapse_days = written_lapse_days
    articles.save()
    audit_record(
        by=by,
        action=f"governance.articles.{'update' if before else 'create'}",
        obj=articles,
        before=before,
        after=snapshot(articles, ARTICLES_FIELDS),
        federation=federation,
    )
    return articles


def _may_be_nominated(user, federation: Federation, practice: Practice, day: date) -> bool:
    """A person with a role on this practice granted within this federation, or a role in
    the federation itself, on ``day``."""
    return (
        RoleGrant.objects.filter(user=user, start_date__lte=day, through=federation)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .filter(Q(practice=practice) | Q(federation=federation, role__in=FEDERATION_ROLES))
        .exists()
    )


@transaction.atomic
def member_set(
    *,
    federation: Federation,
    practice: Practice,
    nominated_voter=None,
    liability: str = Member.Liability.SHARES,
    share_class: str = "Ordinary £1",
    shares: int = 0,
    guarantee_pence: int = 0,
    by,
) -> Member:
    """Record or change a practice's entry in the register of members."""
    if not federation.memberships.filter(practice=practice).exists():
        raise GovernanceError(
            f"{practice.name} has never been a member of {federation.name}: add its "
            "membership first.",
            field="practice",
        )
    if liability not in Member.Liability.values:
        raise GovernanceError(f"Unknown liability {liability!r}.", field="liability")
    if shares < 0:
        raise GovernanceError("Shares cannot be negative.", field="shares")
    if liability == Member.Liability.GUARANTEE and shares:
        raise GovernanceError(
            "A member by guarantee holds no shares: set shares to 0.", field="shares"
        )
    if has_line_break(share_class):
        raise GovernanceError(refusal("the share class"), field="share_class")
    if nominated_voter is not None and not _may_be_nominated(
        nominated_voter, federation, practice, today()
    ):
        raise GovernanceError(
            f"{nominated_voter} has no role at {practice.name} or in {federation.name}: a "
            "nominated voter must be one of the practice's or the federation's people.",
            field="nominated_voter",
        )
    member = (
        Member.objects.select_for_update().filter(federation=federation, practice=practice).first()
    )
    before = snapshot(member, MEMBER_FIELDS) if member else None
    member = member or Member(federation=federation, practice=practice)
    member.nominated_voter = nominated_voter
    member.liability = liability
    member.share_class = share_class.strip()
    member.shares = shares
    member.guarantee_pence = guarantee_pence
    member.save()
    audit_record(
        by=by,
        action=f"governance.member.{'update' if before else 'create'}",
        obj=member,
        before=before,
        after=snapshot(member, MEMBER_FIELDS),
        federation=federation,
    )
    return member


@transaction.atomic
def shares_allocate(*, federation: Federation, fingerprint: str, by) -> int:
    """Apply the allocation the articles' rule gives today (``selectors.share_allocation``),
    as previewed: ``fingerprint`` is the preview's, and if anything has moved since (a list
    size imported, a member joined) it is refused so the new preview can be looked at first.
    Returns how many members' shares changed."""
    articles = Articles.objects.select_for_update().filter(
        federation=federation
    ).first() or articles_of(federation)
    allocation = share_allocation(federation)
    if allocation.fingerprint != fingerprint:
        raise GovernanceError(
            "The allocation has changed since the preview was shown (list sizes imported or "
            "members changed): look at the new preview before applying it.",
            field="fingerprint",
        )
    if allocation.missing:
        names = ", ".join(p.code for p in allocation.missing[:5])
        raise GovernanceError(
            f"No list size for {names}: shares by registered list cannot be allocated "
            "until their list sizes are imported.",
            field="fingerprint",
        )
    changed = {}
    for line in allocation.changes:
        member = (
            Member.objects.select_for_update()
            .filter(federation=federation, practice=line.practice)
            .first()
        ) or Member(federation=federation, practice=line.practice)
        member.liability = Member.Liability.SHARES
        member.shares = line.proposed
        member.save()
        changed[line.practice.code] = [line.current, line.proposed]
    articles.shares_allocated_at = timezone.now()
    articles.shares_basis = allocation.basis
    articles.save()
    audit_record(
        by=by,
        action="governance.shares.allocate",
        obj=articles,
        after={
            "rule": allocation.rule,
            "basis": allocation.basis,
            "total": allocation.total,
            "changed": changed,
        },
        federation=federation,
    )
    return len(changed)


def register_export(federation: Federation, *, by) -> list[list]:
    """The register of members as CSV rows (``REGISTER_COLUMNS``), recorded in the
    federation's audit trail whichever door they leave by."""
    rows = register_csv_rows(register_of_members(federation))
    audit_record(
        by=by,
        action="governance.register.export",
        obj=federation,
        after={"rows": len(rows)},
        federation=federation,
    )
    return rows


@transaction.atomic
def resolution_circulate(
    *,
    federation: Federation,
    title: str,
    text: str,
    kind: str,
    mode: str,
    circulated_on: date,
    meeting_on: date | None = None,
    by,
) -> Resolution:
    """Put a resolution to the members: in writing (it lapses at the end of the articles'
    period, counted from the day it is circulated, s.297) or at a general meeting (called on
    the articles' clear days' notice, s.307). Its eligible members are the federation's
    members on the day it is circulated, each weighted by the articles' voting rule on that
    day (s.289); both are fixed from then on."""
    title = title.strip()
    if not title:
        raise GovernanceError("Enter the resolution's title.", field="title")
    if has_line_break(title):
        raise GovernanceError(refusal("the title"), field="title")
    if not text.strip():
        raise GovernanceError("Enter the resolution's text.", field="text")
    refuse_nhs_numbers(title=title, text=text)
    if kind not in rules.KINDS:
        raise GovernanceError("Choose ordinary or special.", field="kind")
    if mode not in rules.MODES:
        raise GovernanceError("Choose at a meeting or in writing.", field="mode")
    articles = articles_of(federation)
    lapses_on = quorum = None
    if mode == rules.WRITTEN:
        if meeting_on is not None:
            raise GovernanceError("A written resolution has no meeting date.", field="meeting_on")
        lapses_on = circulated_on + timedelta(days=articles.written_lapse_days - 1)
    else:
        if meeting_on is None:
            raise GovernanceError("Enter the date of the general meeting.", field="meeting_on")
        earliest = circulated_on + timedelta(days=articles.notice_days + 1)
        if meeting_on < earliest:
            raise GovernanceError(
                f"A general meeting needs {articles.notice_days} clear days' notice (s.307): "
                f"circulated on {circulated_on:%-d %B %Y}, the meeting can be on "
                f"{earliest:%-d %B %Y} at the earliest.",
                field="meeting_on",
            )
        quorum = articles.quorum_members
    practices = federation_practices_on(federation, circulated_on)
    if not practices:
        raise GovernanceError(
            f"{federation.name} has no members on {circulated_on:%-d %B %Y}.",
            field="circulated_on",
        )
    weights = weights_on(federation, articles.voting_rule, circulated_on, practices)
    resolution = Resolution.objects.create(
        federation=federation,
        title=title,
        text=text.strip(),
        kind=kind,
        mode=mode,
        weighting=articles.voting_rule,
        circulated_on=circulated_on,
        lapses_on=lapses_on,
        meeting_on=meeting_on,
        quorum_members=quorum,
        created_by=by if getattr(by, "pk", None) else None,
    )
    EligibleMember.objects.bulk_create(
        EligibleMember(
            resolution=resolution, practice=p, weight=weights[p.pk][0], basis=weights[p.pk][1]
        )
        for p in practices
    )
    audit_record(
        by=by,
        action="governance.resolution.circulate",
        obj=resolution,
        after={**snapshot(resolution, RESOLUTION_FIELDS), "eligible": len(practices)},
        federation=federation,
    )
    return resolution


def already_voted(vote: Vote) -> GovernanceError:
    return GovernanceError(
        f"{vote.practice.name} has already voted on this resolution "
        f"({vote.get_choice_display().lower()}, on {vote.cast_on:%-d %B %Y}): a vote once "
        "cast is never changed.",
        field="choice",
    )


@transaction.atomic
def vote_cast(
    *,
    resolution: Resolution,
    practice: Practice,
    choice: str,
    by,
    on_paper: bool = False,
    cast_on: date | None = None,
) -> Vote:
    """A practice's vote: cast by its nominated voter, or (``on_paper``) a vote the federation
    received on paper, recorded by its administrator or company secretary with the day it was
    received (``cast_on``). A practice votes once; a vote is never changed."""
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    day = today()
    cast_on = cast_on if on_paper and cast_on is not None else day
    if choice not in rules.CHOICES:
        raise GovernanceError("Choose for, against or abstain.", field="choice")
    if not resolution.eligible_members.filter(practice=practice).exists():
        raise GovernanceError(
            f"{practice.name} was not a member when the resolution was circulated, so it "
            "has no vote on it.",
            field="practice",
        )
    existing = Vote.objects.filter(resolution=resolution, practice=practice).first()
    if existing is not None:
        raise already_voted(existing)
    if cast_on > day:
        raise GovernanceError("A vote cannot be received in the future.", field="cast_on")
    if cast_on < resolution.circulated_on:
        raise GovernanceError(
            f"The resolution was circulated on {resolution.circulated_on:%-d %B %Y}: a vote "
            "cannot come before it.",
            field="cast_on",
        )
    if cast_on > resolution.closes_on:
        what = "lapsed" if resolution.mode == rules.WRITTEN else "was decided at the meeting"
        raise GovernanceError(
            f"Voting closed on {resolution.closes_on:%-d %B %Y}: the resolution {what}.",
            field="cast_on" if on_paper else "choice",
        )
    if not on_paper:
        member = Member.objects.filter(
            federation_id=resolution.federation_id, practice=practice
        ).first()
        if (
            member is None
            or member.nominated_voter_id is None
            or member.nominated_voter_id != (getattr(by, "pk", None))
        ):
            raise GovernanceError(
                f"Only {practice.name}'s nominated voter can cast its vote.", field="practice"
            )
        if not _may_be_nominated(by, resolution.federation, practice, day):
            raise GovernanceError(
                f"You no longer have a role at {practice.name} or in "
                f"{resolution.federation.name}: ask for the register to name its voter again.",
                field="practice",
            )
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                resolution=resolution,
                practice=practice,
                choice=choice,
                cast_on=cast_on,
                on_paper=on_paper,
                cast_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError:  # the other of two votes at once got there first
        raise already_voted(
            Vote.objects.select_related("practice").get(resolution=resolution, practice=practice)
        ) from None
    audit_record(
        by=by,
        action="governance.vote.paper" if on_paper else "governance.vote.cast",
        obj=vote,
        after={
            "resolution": resolution.pk,
            "practice": practice.code,
            "choice": choice,
            "cast_on": cast_on,
        },
        federation=resolution.federation,
    )
    return vote
