"""The demo's board: ELR's board of directors with the clinical director of each of its PCNs
(the demo clinical director for Cross Counties; made-up people for the others), the demo
board member in the chair; a meeting eight weeks ago with a declared conflict on an item, a
board resolution and its decision, its minutes approved at the meeting four weeks ago; an
upcoming meeting with papers from the library, so it has a board pack; a register of
interests; a special resolution passed in writing by the members, weighted by list size; a
gifts and hospitality register (one supplier's hospitality over £75 declined, one accepted
with approval); and a risk register of six risks, two cited for review at the upcoming
meeting. The people named are made up."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, RoleGrant
from accounts.services import role_grant
from comms.models import ResourceVersion
from governance import board_selectors as reads
from governance import board_votes, gifts, interests, meetings, risks, services
from governance.errors import GovernanceError
from governance.models import Body
from registry.models import Federation
from registry.selectors import federation_practices_on, latest_patients, today

CD_NAMES = [
    "Dr Helen Marsh",
    "Dr Imran Shah",
    "Dr Kate Lowe",
    "Dr Owen Price",
    "Dr Ruth Adeyemi",
    "Dr Simon Clarke",
    "Dr Fiona Grant",
    "Dr Matt Ellis",
    "Dr Nadia Hussain",
    "Dr Leo Fry",
]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _clinical_directors(federation: Federation, by) -> None:
    """A clinical director role for each PCN of the federation's practices that has none."""
    from registry.models import PracticePCN

    User = get_user_model()
    held = set(
        RoleGrant.objects.filter(role=Role.PCN_CLINICAL_DIRECTOR, through=federation)
        .filter(reads.current(today()))
        .values_list("pcn_id", flat=True)
    )
    practices = [p.pk for p in federation_practices_on(federation, today())]
    pcns = (
        PracticePCN.objects.filter(reads.current(today()), practice_id__in=practices)
        .select_related("pcn")
        .order_by("pcn__name")
    )
    names = iter(CD_NAMES)
    for pcn in {link.pcn.pk: link.pcn for link in pcns}.values():
        if pcn.pk in held:
            continue
        name = next(names, f"Dr {pcn.name}")
        email = f"cd.{pcn.code.lower()}@demo.gpfed.example"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, full_name=name
        )
        role_grant(
            user=user,
            role=Role.PCN_CLINICAL_DIRECTOR,
            organisation=pcn,
            by=by,
            start_date=date(2024, 4, 1),
            federation=federation,
        )


def _past_meeting(body, day, title, by):
    meeting = meetings.meeting_schedule(
        body=body,
        title=title,
        starts_at=_at(day, 18),
        ends_at=_at(day, 20),
        place="Market Harborough hub",
        by=by,
    )
    seats = reads.seats_on(body, day)
    meetings.attendance_record(
        meeting=meeting,
        statuses={
            s.user_id: ("apologies" if n == len(seats) - 2 else "present")
            for n, s in enumerate(seats)
        },
        by=by,
    )
    return meeting


def _special_resolution(federation: Federation, by) -> str:
    """Members weighted by list size agree, in writing, to adopt new articles."""
    services.articles_set(
        federation=federation,
        voting_rule="list-size",
        share_rule="per_thousand",
        quorum_members=2,
        notice_days=14,
        written_lapse_days=28,
        by=by,
    )
    circulated = today() - timedelta(days=20)
    resolution = services.resolution_circulate(
        federation=federation,
        title="Adopt the new articles of association",
        text="That the draft articles produced to the members be adopted as the company's "
        "articles of association, in substitution for its existing articles.",
        kind="special",
        mode="written",
        circulated_on=circulated,
        by=by,
    )
    practices = federation_practices_on(federation, circulated)
    sizes = latest_patients([p.pk for p in practices], circulated)
    total = sum(n for n, _ in sizes.values())
    running = 0
    for n, practice in enumerate(sorted(practices, key=lambda p: -sizes[p.pk][0])):
        if practice.code == "C82001":
            continue  # left for the demo practice manager to see as not voted
        choice = "for" if 4 * running < 3.4 * total else ("against" if n % 2 else "abstain")
        services.vote_cast(
            resolution=resolution,
            practice=practice,
            choice=choice,
            on_paper=True,
            cast_on=circulated + timedelta(days=1 + n % 10),
            by=by,
        )
        if choice == "for":
            running += sizes[practice.pk][0]
    return resolution.title


GIFTS = [
    # (user index, kind, party, supplier, description, pounds, days ago, accepted, approved)
    (7, "gift", "Patient participation group", False, "A box of biscuits", 8, 40, True, False),
    (4, "gift", "Leicester Medical Supplies Ltd", True, "A hamper", 40, 33, False, False),
    (
        0,
        "hospitality",
        "LLR ICB",
        False,
        "Dinner at the primary care conference",
        45,
        21,
        True,
        False,
    ),
    (
        4,
        "hospitality",
        "Primary Care Solutions Ltd",
        True,
        "A seat at a charity dinner",
        120,
        12,
        True,
        True,
    ),
    (
        5,
        "hospitality",
        "Harbour Health Ltd",
        True,
        "Tickets to a football match",
        90,
        5,
        False,
        False,
    ),
]
RISKS = [
    # (title, owner index, likelihood and impact before, after, description, controls)
    (
        "Loss of the Enhanced Access contract at re-procurement",
        4,
        (3, 5),
        (2, 4),
        "The ICB re-procures Enhanced Access and another provider wins.",
        "Quarterly performance reviews with the ICB; bid team in place.",
    ),
    (
        "Not enough GPs for hub sessions",
        2,
        (4, 4),
        (3, 4),
        "Sessions go unfilled at weekends and in school holidays.",
        "Sessional bank; rota planned eight weeks ahead.",
    ),
    (
        "Cyber attack on shared systems",
        0,
        (3, 5),
        (2, 5),
        "Ransomware stops the hubs seeing patients.",
        "Data Security and Protection Toolkit met; offline rota kept.",
    ),
    (
        "Late ICB payments squeeze cash flow",
        1,
        (3, 4),
        (2, 3),
        "Payments arrive after practices must be paid.",
        "Three months' reserve; monthly settlement.",
    ),
    (
        "Member practices leave the federation",
        0,
        (2, 4),
        (2, 2),
        "Practices leave and the federation's list falls.",
        "Members' meetings; a share of surplus returned.",
    ),
    (
        "The hub's premises lease ends",
        2,
        (2, 3),
        (1, 3),
        "The landlord does not renew the lease of the hub.",
        "Renewal talks started; a second site identified.",
    ),
]


def _registers(federation: Federation, users: list, item) -> list[str]:
    """The gifts and hospitality register and the risk register, two risks cited on the
    upcoming meeting's risk review item."""
    admin = users[0]
    people = {n: users[n] for n in range(len(users))}
    for n, kind, party, supplier, what, pounds, ago, accepted, approved in GIFTS:
        gifts.gift_record(
            federation=federation,
            user=people[n],
            kind=kind,
            party=party,
            supplier=supplier,
            description=what,
            value_pence=pounds * 100,
            on=today() - timedelta(days=ago),
            accepted=accepted,
            approved_by=admin if approved else None,
            by=admin,
        )
    made = []
    for title, owner, before, after, description, controls in RISKS:
        made.append(
            risks.risk_add(
                federation=federation,
                title=title,
                description=description,
                controls=controls,
                owner=people[owner],
                review_on=today() + timedelta(days=30 + 10 * len(made)),
                likelihood_before=before[0],
                impact_before=before[1],
                likelihood_after=after[0] + (1 if len(made) == 1 else 0),
                impact_after=after[1],
                by=admin,
            )
        )
    risks.risk_review(  # the GP gap has eased: a second row of scores, the first kept
        risk=made[1],
        likelihood_before=4,
        impact_before=4,
        likelihood_after=3,
        impact_after=4,
        review_on=today() + timedelta(days=60),
        note="Two salaried GPs recruited to the hubs",
        by=admin,
    )
    for risk in made[:2]:
        risks.item_risk_cite(item=item, risk=risk, by=admin)
    return [
        f"Gifts and hospitality: {len(GIFTS)} entries, one supplier's hospitality over £75 "
        f"declined; a risk register of {len(made)} risks, two for review at the next meeting."
    ]


@transaction.atomic
def demo_governance(federation: Federation, users: list) -> list[str]:
    if Body.objects.filter(federation=federation).exists():
        return []
    admin, chair = users[0], users[4]  # the COO runs it; the demo board member chairs
    _clinical_directors(federation, admin)
    body = meetings.body_create(
        federation=federation, name="Board of directors", kind="board", quorum=5, by=admin
    )
    start = today() - timedelta(days=180)
    meetings.seat_add(body=body, user=chair, office="chair", start_date=start, by=admin)
    meetings.seats_fill_clinical_directors(body=body, by=admin, day=start)
    cds = [s.user for s in reads.seats_on(body, start) if s.reserved_for == "pcn_clinical_director"]
    declared = cds[-1]
    interest = interests.interest_declare(
        federation=federation,
        user=declared,
        kind="financial",
        party="Harbour Health Ltd",
        description="Shareholder in a company bidding for the Enhanced Access contract",
        start_date=date(2023, 4, 1),
        occasion="appointment",
        by=declared,
    )
    interests.interest_declare(
        federation=federation,
        user=chair,
        kind="non_financial_professional",
        party="Leicestershire LMC",
        description="Elected member",
        start_date=date(2022, 6, 1),
        occasion="appointment",
        by=chair,
    )
    papers = list(
        ResourceVersion.objects.filter(resource__federation=federation)
        .select_related("resource")
        .order_by("resource__title", "-number")
    )
    first = _past_meeting(body, today() - timedelta(days=56), "Board meeting", admin)
    contract = meetings.item_add(
        meeting=first,
        title="Award of the Enhanced Access contract",
        owner=chair,
        paper=papers[0] if papers else None,
        for_decision=True,
        by=admin,
    )
    meetings.item_add(meeting=first, title="Finance report", owner=users[1], by=admin)
    interests.item_declare(
        item=contract,
        user=declared,
        interest=interest,
        note="Shareholder in Harbour Health Ltd, a bidder",
        by=admin,
    )
    resolution = board_votes.board_resolution_put(
        item=contract,
        title="Award the Enhanced Access contract",
        text="That the Enhanced Access contract be awarded to the preferred bidder.",
        by=admin,
    )
    for n, eligible in enumerate(resolution.eligible_members.select_related("director")):
        if eligible.director_id in reads.present_ids(first):
            board_votes.board_vote_cast(
                resolution=resolution,
                director=eligible.director,
                choice="against" if n == 1 else "for",
                by=admin,
            )
    meetings.decision_record(
        meeting=first,
        item=contract,
        resolution=resolution,
        text="The Enhanced Access contract is awarded to the preferred bidder.",
        by=admin,
    )
    meetings.action_add(
        meeting=first,
        item=contract,
        text="Write to the bidders with the outcome",
        owner=admin,
        due_on=today() + timedelta(days=14),
        by=admin,
    )
    minutes = meetings.minutes_draft(
        meeting=first,
        text="Present: as recorded. Item 1: a conflict of interest was declared and the "
        "member took no part. The board awarded the Enhanced Access contract. Item 2: the "
        "finance report was noted.",
        by=admin,
    )
    second = _past_meeting(body, today() - timedelta(days=28), "Board meeting", admin)
    meetings.item_add(meeting=second, title="Minutes of the last meeting", by=admin)
    meetings.minutes_approve(minutes=minutes, at_meeting=second, by=admin)
    meetings.minutes_draft(
        meeting=second, text="The minutes of the last meeting were approved.", by=admin
    )
    upcoming = meetings.meeting_schedule(
        body=body,
        title="Board meeting",
        starts_at=_at(today() + timedelta(days=14), 18),
        ends_at=_at(today() + timedelta(days=14), 20),
        place="Market Harborough hub",
        online_link="https://meet.example.org/elr-board",
        by=admin,
    )
    for n, title in enumerate(
        ["Minutes of the last meeting", "Strategy 2027 to 2030", "Risk register review"]
    ):
        review = meetings.item_add(
            meeting=upcoming,
            title=title,
            owner=chair,
            paper=papers[n] if n and n < len(papers) else None,
            by=admin,
        )
    lines = [
        f"A board of {len(reads.seats_on(body))} with each PCN's clinical director, three "
        "meetings (minutes approved, a declared conflict, a board decision) and one upcoming "
        "with its pack; a register of interests."
    ]
    lines += _registers(federation, users, review)
    try:
        with transaction.atomic():
            lines.append(
                f"A special resolution passed in writing: {_special_resolution(federation, admin)}."
            )
    except GovernanceError as refused:
        lines.append(f"No members' resolution: {refused.message}")
    return lines
