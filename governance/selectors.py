"""Reads of governance: the articles, the register of members, the share allocation the rule
gives, each resolution's eligible members, votes and result, and the tally of a file of votes
(which saves nothing)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count

from governance import tally as rules
from governance import votes_file
from governance.errors import GovernanceError
from governance.models import Articles, EligibleMember, Member, Resolution, Vote
from registry.importers.detect import Kind
from registry.models import Federation, FederationMembership, ImportRun, Practice
from registry.selectors import federation_practices_on, latest_patients, today


def articles_of(federation: Federation) -> Articles:
    """The federation's articles, or the Companies Act's defaults if none are recorded yet
    (unsaved)."""
    found = Articles.objects.filter(federation=federation).first()
    return found or Articles(federation=federation)


# --- weights -------------------------------------------------------------------------------


def weights_on(
    federation: Federation, weighting: str, day: date, practices: list[Practice]
) -> dict[int, tuple[int, str]]:
    """Each practice's voting weight on ``day`` by ``weighting``, with where it came from:
    one each; its registered list from the latest list-size extract on or before the day; or
    the shares it holds in the register of members. A practice with no list size on or before
    the day cannot be weighted by its list: refused, naming it."""
    ids = [p.pk for p in practices]
    if weighting == rules.PRACTICE:
        return {pk: (1, "one practice, one vote") for pk in ids}
    if weighting == rules.LIST_SIZE:
        patients = latest_patients(ids, day)
        missing = [p for p in practices if p.pk not in patients]
        if missing:
            names = ", ".join(f"{p.code} ({p.name})" for p in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise GovernanceError(
                f"No list size on or before {day:%-d %B %Y} for {names}{more}: a vote weighted "
                "by registered list needs one. Import the list sizes first.",
                field="weighting",
            )
        return {
            pk: (n, f"{n:,} patients, extract of {extract:%-d %B %Y}")
            for pk, (n, extract) in patients.items()
        }
    if weighting == rules.SHARES:
        held = dict(
            Member.objects.filter(federation=federation, practice_id__in=ids).values_list(
                "practice_id", "shares"
            )
        )
        return {pk: (held.get(pk, 0), f"{held.get(pk, 0):,} shares") for pk in ids}
    raise GovernanceError(f"Unknown weighting {weighting!r}.", field="weighting")


# --- the tally of a file of votes (the command line's) -------------------------------------


@dataclass
class FileTally:
    federation: Federation
    day: date
    weighting: str
    tally: rules.Tally
    practices: dict[str, Practice]
    weights: dict[str, int]

    def as_dict(self) -> dict:
        data = self.tally.as_dict()
        data["not_voted"] = [
            {"code": code, "name": self.practices[code].name, "weight": self.weights[code]}
            for code in self.tally.not_voted
        ]
        return {
            "federation": self.federation.slug,
            "on": self.day.isoformat(),
            "weighting": self.weighting,
            **data,
        }


def file_tally(
    *, federation: Federation, kind: str, mode: str, weighting: str, data: bytes, day: date
) -> FileTally:
    """The result of the votes in a CSV file (``governance.votes_file``) against the
    federation's members on ``day``. Every row is checked before anything is tallied: an
    ImportFileError names each row and column at fault. Nothing is saved."""
    rows, problems = votes_file.parse(data)
    members = {p.code: p for p in federation_practices_on(federation, day)}
    column = votes_file.COLUMNS["code"][0]
    unknown = {r.code for r in rows if r.code not in members}
    known = dict(Practice.objects.filter(code__in=unknown).values_list("code", "name"))
    for row in rows:
        if row.code in members:
            continue
        if row.code in known:
            message = (
                f"{row.code} ({known[row.code]}) is not a member of {federation.name} on "
                f"{day:%-d %B %Y}"
            )
        else:
            message = f"{row.code} is not a practice gpfed knows"
        problems.add(row.row, column, message)
    problems.raise_if_any()
    weights = weights_on(federation, weighting, day, list(members.values()))
    by_code = {code: weights[p.pk][0] for code, p in members.items()}
    articles = articles_of(federation)
    result = rules.tally(
        eligible=by_code,
        votes={r.code: r.vote for r in rows},
        kind=kind,
        mode=mode,
        quorum=articles.quorum_members if mode == rules.MEETING else None,
    )
    return FileTally(federation, day, weighting, result, members, by_code)


# --- the register of members ---------------------------------------------------------------


@dataclass
class RegisterRow:
    practice: Practice
    joined: date
    left: date | None
    entry: Member | None

    @property
    def current(self) -> bool:
        return self.left is None or self.left >= today()

    @property
    def holding(self) -> str:
        if self.entry is None:
            return "Not recorded"
        if self.entry.liability == Member.Liability.GUARANTEE:
            return f"Guarantee of £{self.entry.guarantee_pence / 100:,.2f}"
        return f"{self.entry.shares:,} {self.entry.share_class}".strip()


REGISTER_COLUMNS = [
    "ODS code",
    "practice",
    "joined",
    "left",
    "liability",
    "share class",
    "shares",
    "guarantee (£)",
    "nominated voter",
]


def register_of_members(federation: Federation) -> list[RegisterRow]:
    """Every practice that is or was a member (s.113 keeps former members for ten years), with
    the dates from its memberships: joined on its first, left on its last's end (none while a
    spell is open), and its entry in the register, in two queries."""
    spells: dict[int, list[FederationMembership]] = defaultdict(list)
    for spell in federation.memberships.select_related("practice").order_by("start_date"):
        spells[spell.practice_id].append(spell)
    entries = {
        m.practice_id: m
        for m in Member.objects.filter(federation=federation).select_related("nominated_voter")
    }
    rows = []
    for practice_spells in spells.values():
        ends = [s.end_date for s in practice_spells]
        left = None if None in ends else max(ends)
        practice = practice_spells[0].practice
        rows.append(
            RegisterRow(practice, practice_spells[0].start_date, left, entries.get(practice.pk))
        )
    return sorted(rows, key=lambda r: (not r.current, r.practice.name))


def register_csv_rows(rows: list[RegisterRow]) -> list[list]:
    out = []
    for r in rows:
        e = r.entry
        out.append(
            [
                r.practice.code,
                r.practice.name,
                r.joined.isoformat(),
                r.left.isoformat() if r.left else "",
                e.get_liability_display() if e else "",
                e.share_class if e and e.liability == Member.Liability.SHARES else "",
                e.shares if e and e.liability == Member.Liability.SHARES else "",
                f"{e.guarantee_pence / 100:.2f}"
                if e and e.liability == Member.Liability.GUARANTEE
                else "",
                (e.nominated_voter.full_name or "named") if e and e.nominated_voter else "",
            ]
        )
    return out


# --- allocating shares by the rule ---------------------------------------------------------


@dataclass
class ShareChange:
    practice: Practice
    current: int
    proposed: int
    patients: int | None = None
    extract: date | None = None

    @property
    def changed(self) -> bool:
        return self.current != self.proposed


@dataclass
class Allocation:
    rule: str
    rule_label: str
    day: date
    lines: list[ShareChange] = field(default_factory=list)
    missing: list[Practice] = field(default_factory=list)  # no list size to allocate from
    basis: date | None = None  # the latest extract used

    @property
    def changes(self) -> list[ShareChange]:
        return [line for line in self.lines if line.changed]

    @property
    def total(self) -> int:
        return sum(line.proposed for line in self.lines)

    @property
    def fingerprint(self) -> str:
        """What the preview showed, so applying it can check nothing moved in between."""
        text = json.dumps(
            [[line.practice.code, line.current, line.proposed] for line in self.lines]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def share_allocation(federation: Federation, day: date | None = None) -> Allocation:
    """The shares the articles' rule gives each current member on ``day`` (today), beside
    what each holds now: one a practice, or £1 per 1,000 registered patients from its latest
    list size (to the nearest thousand, at least one). Members by guarantee hold no shares
    and are left out."""
    day = day or today()
    articles = articles_of(federation)
    practices = federation_practices_on(federation, day)
    entries = {m.practice_id: m for m in Member.objects.filter(federation=federation)}
    practices = [
        p
        for p in practices
        if p.pk not in entries or entries[p.pk].liability == Member.Liability.SHARES
    ]
    allocation = Allocation(articles.share_rule, articles.get_share_rule_display(), day)
    patients = (
        latest_patients([p.pk for p in practices], day)
        if articles.share_rule == Articles.ShareRule.PER_THOUSAND
        else {}
    )
    for p in practices:
        current = entries[p.pk].shares if p.pk in entries else 0
        if articles.share_rule == Articles.ShareRule.ONE_PER_PRACTICE:
            allocation.lines.append(ShareChange(p, current, 1))
        elif p.pk in patients:
            n, extract = patients[p.pk]
            allocation.lines.append(
                ShareChange(p, current, rules.shares_for_patients(n), n, extract)
            )
        else:
            allocation.missing.append(p)
    extracts = [line.extract for line in allocation.lines if line.extract]
    allocation.basis = max(extracts) if extracts else None
    return allocation


@dataclass
class Staleness:
    message: str
    run: ImportRun | None = None


def allocation_out_of_date(
    federation: Federation, allocation: Allocation | None = None
) -> Staleness | None:
    """Why the shares in the register no longer match the rule, or None if they do: never
    allocated, list sizes imported since (naming the import), or members joined or left."""
    allocation = allocation or share_allocation(federation)
    if not allocation.changes:
        return None
    articles = articles_of(federation)
    if articles.shares_allocated_at is None:
        return Staleness("Shares have not yet been allocated by the articles' rule.")
    if articles.share_rule == Articles.ShareRule.PER_THOUSAND:
        run = (
            ImportRun.objects.filter(
                kind=Kind.PATIENTS,
                status=ImportRun.Status.SUCCEEDED,
                dry_run=False,
                finished_at__gt=articles.shares_allocated_at,
            )
            .order_by("-finished_at")
            .first()
        )
        if run is not None:
            return Staleness(
                f"The allocation is out of date since list sizes were imported from "
                f"{run.file_name} on {run.finished_at:%-d %B %Y}: "
                f"{len(allocation.changes)} members' shares would change.",
                run,
            )
    return Staleness(
        f"The allocation is out of date: {len(allocation.changes)} members' shares differ "
        "from the articles' rule (members have joined or left, or list sizes changed)."
    )


# --- resolutions ---------------------------------------------------------------------------


def resolutions_of(federation: Federation):
    return (
        federation.resolutions.exclude(kind=Resolution.Kind.BOARD)
        .annotate(
            votes_cast=Count("votes", distinct=True),
            eligible=Count("eligible_members", distinct=True),
        )
        .order_by("-circulated_on", "-id")
    )


@dataclass
class Result:
    resolution: Resolution
    tally: rules.Tally
    status: str  # open, passed, not passed, lapsed
    passed_on: date | None
    votes: list[Vote]
    eligible: list[EligibleMember]

    @property
    def status_text(self) -> str:
        return {
            "open": "Open for votes",
            "passed": "Passed",
            "not passed": "Not passed",
            "lapsed": "Lapsed",
        }[self.status]


def resolution_result(resolution: Resolution, day: date | None = None) -> Result:
    """The resolution's tally from its eligible members' weights (fixed when circulated) and
    the votes cast, and where it stands on ``day`` (today). A written resolution passes on the
    day the votes for it reach the threshold of all eligible members' voting rights; one that
    has not by the end of its period lapses. A resolution at a meeting is decided at the
    meeting: its result stands from the day after."""
    day = day or today()
    eligible = list(resolution.eligible_members.select_related("practice"))
    votes = list(
        resolution.votes.select_related("practice", "cast_by").order_by("created_at", "id")
    )
    weights = {e.practice.code: e.weight for e in eligible}
    cast = {v.practice.code: v.choice for v in votes}
    result = rules.tally(
        eligible=weights,
        votes=cast,
        kind=resolution.kind,
        mode=resolution.mode,
        quorum=resolution.quorum_members,
    )
    passed_on = None
    if resolution.mode == rules.WRITTEN:
        running = 0
        for v in sorted(votes, key=lambda v: (v.cast_on, v.created_at, v.pk)):
            if v.choice == rules.FOR:
                running += weights[v.practice.code]
                if rules.meets(resolution.kind, running, result.eligible_weight):
                    passed_on = v.cast_on
                    break
        if passed_on is not None:
            status = "passed"
        else:
            status = "lapsed" if day > resolution.lapses_on else "open"
    elif day <= resolution.meeting_on:
        status = "open"
    else:
        status = "passed" if result.passed else "not passed"
        passed_on = resolution.meeting_on if result.passed else None
    return Result(resolution, result, status, passed_on, votes, eligible)


def nominated_practices(user, federation: Federation) -> list[Practice]:
    """The member practices this person is the nominated voter of."""
    if not getattr(user, "pk", None):
        return []
    return [
        m.practice
        for m in Member.objects.filter(federation=federation, nominated_voter=user)
        .select_related("practice")
        .order_by("practice__name")
    ]


def vote_of(resolution: Resolution, practice: Practice) -> Vote | None:
    return Vote.objects.filter(resolution=resolution, practice=practice).first()
