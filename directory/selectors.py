"""What the directory shows: a network's member federations with their practices, PCNs,
registered population and region, and a federation's own directory of practices, PCNs and
contacts. Each page is a handful of bulk queries however many members a network has."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts import permissions as perms
from directory.models import BoardSeat, Contact, JoinRequest
from kernel.needs import SOON, Need, count_text, date_text
from registry.models import (
    Commissioner,
    Federation,
    FederationMembership,
    Network,
    NetworkMembership,
    Practice,
    PracticeCommissioner,
    PracticePCN,
)
from registry.selectors import (
    covering,
    extracts_text,
    latest_patients,
    list_sizes_on,
    pcn_search,
    practice_search,
    today,
)


@dataclass
class Place:
    icb: Commissioner | None = None
    region: Commissioner | None = None


def places(practice_ids, day: date) -> dict[int, Place]:
    """Each practice's ICB and NHS England region on ``day``: from its sub-ICB spell, or
    failing that the codes epraccur printed on the practice itself. ``practice_ids`` may be a
    queryset of ids (a subquery: no list of thousands of parameters)."""
    spells = covering(
        PracticeCommissioner.objects.filter(practice_id__in=practice_ids), day
    ).values_list("practice_id", "commissioner__parent_id", "commissioner__parent__parent_id")
    pairs = {pk: (icb, region) for pk, icb, region in spells}
    printed = {
        pk: (icb, region)
        for pk, icb, region in Practice.objects.filter(pk__in=practice_ids).values_list(
            "pk", "high_level_health_geography", "national_grouping"
        )
    }
    fallback = {pk: codes for pk, codes in printed.items() if None in pairs.get(pk, (None,))}
    by_code = {
        c.code: c
        for c in Commissioner.objects.filter(
            code__in={code for pair in fallback.values() for code in pair if code}
        )
    }
    by_id = {
        c.pk: c
        for c in Commissioner.objects.filter(
            pk__in={pk for pair in pairs.values() for pk in pair if pk}
        )
    }
    found = {}
    for pk in printed:
        icb, region = (by_id.get(i) for i in pairs.get(pk, (None, None)))
        if pk in fallback:
            icb = icb or by_code.get(fallback[pk][0])
            region = region or by_code.get(fallback[pk][1])
        found[pk] = Place(icb=icb, region=region)
    return found


@dataclass
class MemberRow:
    federation: Federation
    membership: NetworkMembership | None = None
    practice_ids: set[int] = field(default_factory=set)
    pcn_ids: set[int] = field(default_factory=set)
    patients: int = 0
    practices_without_figure: int = 0
    extract_dates: list[date] = field(default_factory=list)
    regions: list[Commissioner] = field(default_factory=list)
    icbs: list[Commissioner] = field(default_factory=list)

    @property
    def practices(self) -> int:
        return len(self.practice_ids)

    @property
    def extracts(self) -> str:
        """The list-size extracts the registered patients rest on."""
        return extracts_text(self.extract_dates)

    @property
    def pcns(self) -> int:
        return len(self.pcn_ids)

    def as_dict(self) -> dict:
        def org(c):
            return {"code": c.code, "name": c.display_name}

        return {
            "slug": self.federation.slug,
            "name": self.federation.name,
            "joined": self.membership.start_date.isoformat(),
            "leaves": self.membership.end_date.isoformat() if self.membership.end_date else None,
            "practices": self.practices,
            "pcns": self.pcns,
            "registered_patients": self.patients,
            "practices_without_list_size": self.practices_without_figure,
            "list_size_extract_dates": [d.isoformat() for d in self.extract_dates],
            "regions": [org(r) for r in self.regions],
            "icbs": [org(i) for i in self.icbs],
        }


def _by_frequency(values) -> list:
    counts = Counter(v for v in values if v is not None)
    return [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].display_name))]


def member_rows(network: Network, day: date | None = None, **filters) -> list[MemberRow]:
    """The network's current members, each with its practices, PCNs, registered patients,
    regions and ICBs; narrowed and sorted by ``filters`` (see ``filter_rows``)."""
    day = day or today()
    memberships = covering(network.memberships.select_related("federation"), day)
    rows = [MemberRow(federation=m.federation, membership=m) for m in memberships]
    return filter_rows(summarise(rows, day), **filters)


def summarise(rows: list[MemberRow], day: date) -> list[MemberRow]:
    """Fill in each federation's practices, PCNs, registered patients, regions and ICBs on
    ``day``, for all of them at once."""
    rows = {r.federation.pk: r for r in rows}
    memberships = covering(FederationMembership.objects.filter(federation_id__in=rows), day)
    member_ids = memberships.values("practice_id")  # a subquery, used as one
    member_of: dict[int, set[int]] = defaultdict(set)  # a practice may be in two federations
    for federation_id, practice_id in memberships.values_list("federation_id", "practice_id"):
        rows[federation_id].practice_ids.add(practice_id)
        member_of[practice_id].add(federation_id)
    pcn_of = dict(
        covering(PracticePCN.objects.filter(practice_id__in=member_ids), day).values_list(
            "practice_id", "pcn_id"
        )
    )
    for practice_id, pcn_id in pcn_of.items():
        for federation_id in member_of.get(practice_id, ()):
            rows[federation_id].pcn_ids.add(pcn_id)
    patients = latest_patients(member_ids, day)
    published = set(patients)
    where = places(member_ids, day)
    for row in rows.values():
        figures = [patients[p] for p in row.practice_ids if p in patients]
        row.patients = sum(n for n, _extract in figures)
        row.extract_dates = sorted({extract for _n, extract in figures})
        row.practices_without_figure = len(row.practice_ids - published)
        row.regions = _by_frequency(where[p].region for p in row.practice_ids if p in where)
        row.icbs = _by_frequency(where[p].icb for p in row.practice_ids if p in where)
    return list(rows.values())


def filter_rows(
    rows: list[MemberRow], *, q: str = "", region: str = "", icb: str = "", sort: str = "name"
) -> list[MemberRow]:
    """Members matching ``q`` (the federation's name, or any of its practices by ODS code,
    name, town or postcode, or its PCNs by code or name), in ``region`` and ``icb`` (codes),
    sorted by name, population, practices or the date they joined."""
    text = q.strip()
    if text:
        practice_ids = set().union(*(r.practice_ids for r in rows))
        pcn_ids = set().union(*(r.pcn_ids for r in rows))
        practices = practice_ids & set(practice_search(q=text).values_list("pk", flat=True))
        pcns = pcn_ids & set(pcn_search(q=text).values_list("pk", flat=True))
        rows = [
            r
            for r in rows
            if text.lower() in r.federation.name.lower()
            or r.practice_ids & practices
            or r.pcn_ids & pcns
        ]
    if region:
        rows = [r for r in rows if any(c.code == region for c in r.regions)]
    if icb:
        rows = [r for r in rows if any(c.code == icb for c in r.icbs)]
    keys = {
        "name": lambda r: r.federation.name.lower(),
        "population": lambda r: (-r.patients, r.federation.name.lower()),
        "practices": lambda r: (-r.practices, r.federation.name.lower()),
        "joined": lambda r: (r.membership.start_date, r.federation.name.lower()),
    }
    return sorted(rows, key=keys.get(sort, keys["name"]))


def filter_choices(rows: list[MemberRow]) -> dict:
    """The regions and ICBs the members are in, for the filters."""
    regions = {c.code: c for r in rows for c in r.regions}
    icbs = {c.code: c for r in rows for c in r.icbs}
    return {
        "regions": sorted(regions.values(), key=lambda c: c.display_name),
        "icbs": sorted(icbs.values(), key=lambda c: c.display_name),
    }


def board(network: Network, day: date | None = None) -> list[BoardSeat]:
    """The advisory board on ``day``: chair, vice-chair, then members by name."""
    day = day or today()
    order = {BoardSeat.Position.CHAIR: 0, BoardSeat.Position.VICE_CHAIR: 1}
    seats = covering(network.board_seats.select_related("federation"), day)
    return sorted(seats, key=lambda s: (order.get(s.position, 2), s.name))


def past_members(network: Network, day: date | None = None) -> list[NetworkMembership]:
    day = day or today()
    return list(
        network.memberships.filter(end_date__lt=day)
        .select_related("federation")
        .order_by("-end_date")
    )


def joining(network: Network, day: date | None = None) -> list[NetworkMembership]:
    """Members approved from a later date: not in the directory yet, but no longer waiting."""
    day = day or today()
    return list(
        network.memberships.filter(start_date__gt=day)
        .select_related("federation")
        .order_by("start_date")
    )


def pending_requests(network: Network):
    return JoinRequest.objects.filter(
        network=network, status=JoinRequest.Status.PENDING
    ).select_related("federation", "requested_by")


def applicants(network: Network) -> list[tuple[JoinRequest, MemberRow]]:
    """Waiting requests, each with what the federation would bring: its practices, PCNs,
    population and region (public NHS figures, shown before it is a member)."""
    requests = list(pending_requests(network))
    rows = summarise([MemberRow(federation=r.federation) for r in requests], today())
    by_federation = {row.federation.pk: row for row in rows}
    return [(r, by_federation[r.federation_id]) for r in requests]


def networks_of(federation: Federation, day: date | None = None) -> list[Network]:
    day = day or today()
    return [
        m.network for m in covering(federation.network_memberships.select_related("network"), day)
    ]


@dataclass
class PracticeEntry:
    practice: Practice
    pcn: object | None
    patients: int | None
    contacts: list[Contact]
    extract_date: date | None = None


def federation_directory(federation: Federation, day: date | None = None) -> dict:
    """A federation's own directory: the federation's contacts, then its PCNs and member
    practices, each with its contacts, registered list and PCN."""
    day = day or today()
    ids = set(covering(federation.memberships.all(), day).values_list("practice_id", flat=True))
    practices = Practice.objects.filter(pk__in=ids).order_by("name")
    spells = {
        s.practice_id: s.pcn
        for s in covering(PracticePCN.objects.filter(practice_id__in=ids), day).select_related(
            "pcn"
        )
    }
    sizes = list_sizes_on(ids, day)
    contacts = defaultdict(list)
    for contact in federation.contacts.all():
        key = (
            ("practice", contact.practice_id)
            if contact.practice_id
            else ("pcn", contact.pcn_id)
            if contact.pcn_id
            else ("federation", None)
        )
        contacts[key].append(contact)
    pcns = sorted({p.pk: p for p in spells.values()}.values(), key=lambda p: p.name)
    return {
        "as_at": day,
        "federation_contacts": contacts[("federation", None)],
        "pcns": [
            {
                "pcn": pcn,
                "practices": sum(1 for p in spells.values() if p.pk == pcn.pk),
                "contacts": contacts[("pcn", pcn.pk)],
            }
            for pcn in pcns
        ],
        "practices": [
            PracticeEntry(
                practice=p,
                pcn=spells.get(p.pk),
                patients=sizes[p.pk].patients if p.pk in sizes else None,
                contacts=contacts[("practice", p.pk)],
                extract_date=sizes[p.pk].extract_date if p.pk in sizes else None,
            )
            for p in practices
        ],
        "patients": sum(s.patients for s in sizes.values()),
        "extract_dates": sorted({s.extract_date for s in sizes.values()}),
        "extracts": extracts_text(s.extract_date for s in sizes.values()),
    }


def search_contacts(federation: Federation, q: str):
    text = q.strip()
    qs = federation.contacts.select_related("practice", "pcn")
    if text:
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(role__icontains=text)
            | Q(email__icontains=text)
            | Q(practice__name__icontains=text)
            | Q(practice__code__iexact=text)
            | Q(pcn__name__icontains=text)
        )
    return qs


def contact_dict(contact: Contact) -> dict:
    return {
        "name": contact.name,
        "role": contact.role,
        "email": contact.email,
        "phone": contact.phone,
        "organisation": (
            {"practice": contact.practice.code}
            if contact.practice_id
            else {"pcn": contact.pcn.code}
            if contact.pcn_id
            else {"federation": contact.federation.slug}
        ),
    }


def members_as_dicts(rows: list[MemberRow], *, contacts: bool) -> list[dict]:
    """Rows as the API and ``gpfed directory`` print them. ``contacts`` only for someone who
    may see them (a member of the network): otherwise the key is null."""
    listed = defaultdict(list)
    if contacts:
        for contact in Contact.objects.filter(
            federation_id__in=[r.federation.pk for r in rows], in_network_directory=True
        ).select_related("federation", "practice", "pcn"):
            listed[contact.federation_id].append(contact_dict(contact))
    return [
        {**row.as_dict(), "contacts": listed[row.federation.pk] if contacts else None}
        for row in rows
    ]


# --- a person and the networks ---------------------------------------------------------------


def network_standing(user, networks, day: date | None = None) -> dict[int, str]:
    """How this person stands towards each network, by its id, in words that are true of
    them: "you administer it" (a network administrator, who belongs to no member federation
    through that role), "your federation is a member" (a person of a current member
    federation); absent when neither. Two queries, whatever the number of networks."""
    day = day or today()
    scope = perms.scope_for(user)
    administered = scope.network_ids()
    own = scope.within_ids()
    members = (
        set(
            covering(
                NetworkMembership.objects.filter(network__in=networks, federation_id__in=own),
                day,
            ).values_list("network_id", flat=True)
        )
        if own
        else set()
    )
    standing = {}
    for network in networks:
        if network.pk in members:
            standing[network.pk] = (
                "your federation is a member"
                if network.pk not in administered
                else "you administer it, and your federation is a member"
            )
        elif network.pk in administered:
            standing[network.pk] = "you administer it"
    return standing


def directory_needs(user, today: date) -> list[Need]:
    """For a network's administrators: the requests to join it waiting for a decision, one
    item a network, oldest request first (one query)."""
    network_ids = perms.scope_for(user).network_ids()
    if not network_ids:
        return []
    waiting: dict[int, list[JoinRequest]] = defaultdict(list)
    for request in (
        JoinRequest.objects.filter(network_id__in=network_ids, status=JoinRequest.Status.PENDING)
        .select_related("network", "federation")
        .order_by("requested_at", "pk")
    ):
        waiting[request.network_id].append(request)
    needs = []
    for requests in waiting.values():
        network = requests[0].network
        names = ", ".join(r.federation.name for r in requests[:3])
        more = f" and {len(requests) - 3} more" if len(requests) > 3 else ""
        since = timezone.localtime(requests[0].requested_at).date()
        needs.append(
            Need(
                area="directory",
                title=(
                    f"{count_text(len(requests), 'request')} to join {network.name} "
                    f"{'is' if len(requests) == 1 else 'are'} waiting"
                ),
                detail=(
                    f"From {names}{more}; "
                    f"{'asked' if len(requests) == 1 else 'the first asked'} on {date_text(since)}."
                ),
                url=reverse("directory:requests", args=[network.slug]),
                due=since,
                severity=SOON,
            )
        )
    return needs
