"""Reads of the registry. Every page, API endpoint and report asks these."""

# Over 500 lines: every read of the registry the other areas make.

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from registry.models import (
    PCN,
    AnnualPopulation,
    Commissioner,
    Federation,
    FederationMembership,
    ListSize,
    Network,
    Practice,
    PracticeCommissioner,
    PracticePCN,
)
from registry.models.populations import financial_year_label

CODE_LIKE = re.compile(r"^[A-Z0-9]{3,6}$")
POSTCODE_LIKE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9]?[A-Z]{0,2}$")


def today() -> date:
    return timezone.localdate()


def financial_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


# --- one by its code or slug (None if there is none) --------------------------------------


def practice_by_code(code: str) -> Practice | None:
    return Practice.objects.filter(code=code.upper()).first()


def pcn_by_code(code: str) -> PCN | None:
    return PCN.objects.filter(code=code.upper()).first()


def federation_by_slug(slug: str) -> Federation | None:
    return Federation.objects.filter(slug=slug).first()


def network_by_slug(slug: str) -> Network | None:
    return Network.objects.filter(slug=slug).first()


# --- search ------------------------------------------------------------------------------


def practice_search(
    *,
    q: str = "",
    icb: str = "",
    sub_icb: str = "",
    status: str = "",
    federation: Federation | None = None,
    on: date | None = None,
) -> QuerySet[Practice]:
    """Practices matching an ODS code, name, town or postcode, optionally within an ICB or sub-ICB
    location (by the practice's commissioner on ``on``, or its latest one)."""
    qs = Practice.objects.all()
    text = q.strip().upper()
    if text:
        compact = text.replace(" ", "")
        condition = Q(search_key__contains=text)
        if CODE_LIKE.match(compact):
            condition |= Q(code__startswith=compact)
        if POSTCODE_LIKE.match(text):
            condition |= Q(postcode_key__startswith=compact)
        qs = qs.filter(condition)
    if status:
        qs = qs.filter(status=status)
    if sub_icb or icb:
        if on is not None:
            spells = covering(PracticeCommissioner.objects.all(), on)
        else:
            # The practice's latest commissioner, so closed practices stay in their area.
            latest = (
                PracticeCommissioner.objects.filter(practice_id=OuterRef("practice_id"))
                .order_by("-start_date")
                .values("pk")[:1]
            )
            spells = PracticeCommissioner.objects.filter(pk=Subquery(latest))
        if sub_icb:
            spells = spells.filter(commissioner__code=sub_icb.upper())
        if icb:
            spells = spells.filter(commissioner__parent__code=icb.upper())
        qs = qs.filter(pk__in=spells.values("practice_id"))
    if federation is not None:
        qs = qs.filter(
            pk__in=FederationMembership.objects.filter(federation=federation).values("practice_id")
        )
    return qs.order_by("name", "code")


def pcn_search(*, q: str = "", icb: str = "", sub_icb: str = "") -> QuerySet[PCN]:
    qs = PCN.objects.select_related("sub_icb")
    text = q.strip().upper()
    if text:
        compact = text.replace(" ", "")
        condition = Q(name_key__contains=text)
        if CODE_LIKE.match(compact):
            condition |= Q(code__startswith=compact)
        if POSTCODE_LIKE.match(text):
            condition |= Q(postcode_key__startswith=compact)
        qs = qs.filter(condition)
    if sub_icb:
        qs = qs.filter(sub_icb__code=sub_icb.upper())
    if icb:
        qs = qs.filter(sub_icb__parent__code=icb.upper())
    return qs.order_by("name", "code")


def icb_choices() -> list[Commissioner]:
    return list(
        Commissioner.objects.filter(kind=Commissioner.Kind.ICB, children__isnull=False)
        .exclude(name="")
        .distinct()
        .order_by("name")
    )


def sub_icb_choices(icb: str = "") -> list[Commissioner]:
    qs = Commissioner.objects.filter(kind=Commissioner.Kind.SUB_ICB).exclude(name="")
    if icb:
        qs = qs.filter(parent__code=icb.upper())
    return list(qs.order_by("name"))


# --- practices ---------------------------------------------------------------------------


def covering(qs, day: date):
    """Rows of a dated spell (start_date, optional end_date) that cover ``day``."""
    return qs.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


def federations_holding(organisation, day: date | None = None) -> list[Federation]:
    """The federations holding a practice on ``day`` (a member of each), or, for a PCN, a
    practice of that PCN."""
    day = day or today()
    memberships = covering(FederationMembership.objects.all(), day)
    if isinstance(organisation, PCN):
        practices = covering(PracticePCN.objects.filter(pcn=organisation), day)
        memberships = memberships.filter(practice_id__in=practices.values("practice_id"))
    else:
        memberships = memberships.filter(practice=organisation)
    return list(Federation.objects.filter(pk__in=memberships.values("federation_id")))


def practice_pcn_on(practice: Practice, day: date | None = None) -> PracticePCN | None:
    day = day or today()
    return covering(practice.pcn_spells.select_related("pcn"), day).order_by("-start_date").first()


def practice_commissioner_on(
    practice: Practice, day: date | None = None
) -> PracticeCommissioner | None:
    day = day or today()
    return (
        covering(practice.commissioner_spells.select_related("commissioner__parent__parent"), day)
        .order_by("-start_date")
        .first()
    )


def practice_federation_on(practice: Practice, day: date | None = None, federations=None):
    day = day or today()
    memberships = practice.federation_memberships.select_related("federation")
    if federations is not None:
        memberships = memberships.filter(federation__in=federations)
    return covering(memberships, day).order_by("-start_date").first()


def practice_list_history(practice: Practice) -> list[ListSize]:
    return list(
        practice.list_sizes.filter(sex=ListSize.Sex.ALL, age_band="ALL").order_by("extract_date")
    )


def practice_latest_list_size(practice: Practice, day: date | None = None) -> ListSize | None:
    qs = practice.list_sizes.filter(sex=ListSize.Sex.ALL, age_band="ALL")
    if day is not None:
        qs = qs.filter(extract_date__lte=day)
    return qs.order_by("-extract_date").first()


@dataclass
class Geography:
    sub_icb: Commissioner | None
    icb: Commissioner | None
    region: Commissioner | None


def practice_geography(practice: Practice, day: date | None = None) -> Geography:
    spell = practice_commissioner_on(practice, day)
    sub_icb = spell.commissioner if spell else None
    icb = sub_icb.parent if sub_icb else None
    region = icb.parent if icb else None
    if icb is None and practice.high_level_health_geography:
        icb = Commissioner.objects.filter(code=practice.high_level_health_geography).first()
    if region is None and practice.national_grouping:
        region = Commissioner.objects.filter(code=practice.national_grouping).first()
    return Geography(sub_icb=sub_icb, icb=icb, region=region)


def practice_report(practice: Practice, day: date | None = None, federations=None) -> dict:
    """What ``gpfed report practice`` prints and the API's practice detail returns. The
    federation is only reported if it is among ``federations`` (those the reader may see)."""
    day = day or today()
    pcn = practice_pcn_on(practice, day)
    geo = practice_geography(practice, day)
    latest = practice_latest_list_size(practice, day)  # never an extract after the day asked
    membership = practice_federation_on(practice, day, federations)

    def org(c):
        return {"code": c.code, "name": c.name} if c else None

    return {
        "code": practice.code,
        "name": practice.name,
        "status": practice.get_status_display(),
        "status_code": practice.status,
        "address": practice.address_lines,
        "postcode": practice.postcode,
        "open_date": practice.open_date.isoformat() if practice.open_date else None,
        "close_date": practice.close_date.isoformat() if practice.close_date else None,
        "as_at": day.isoformat(),
        "pcn": (
            {"code": pcn.pcn.code, "name": pcn.pcn.name, "since": pcn.start_date.isoformat()}
            if pcn
            else None
        ),
        "sub_icb": org(geo.sub_icb),
        "icb": org(geo.icb),
        "region": org(geo.region),
        "list_size": (
            {"patients": latest.patients, "extract_date": latest.extract_date.isoformat()}
            if latest
            else None
        ),
        "federation": (
            {
                "id": membership.federation.pk,
                "slug": membership.federation.slug,
                "name": membership.federation.name,
                "since": membership.start_date.isoformat(),
            }
            if membership
            else None
        ),
    }


# --- PCNs and populations ----------------------------------------------------------------


def pcn_practices_on(pcn: PCN, day: date | None = None) -> list[Practice]:
    day = day or today()
    ids = covering(PracticePCN.objects.filter(pcn=pcn), day).values("practice_id")
    return list(Practice.objects.filter(pk__in=ids).order_by("name"))


def list_sizes_on(practice_ids, day: date | None = None) -> dict[int, ListSize]:
    """Each practice's latest all-persons list size on or before ``day`` (any date if None)."""
    qs = ListSize.objects.filter(practice_id__in=practice_ids, sex="ALL", age_band="ALL")
    if day is not None:
        qs = qs.filter(extract_date__lte=day)
    latest = dict(
        qs.values("practice_id").annotate(d=Max("extract_date")).values_list("practice_id", "d")
    )
    if not latest:
        return {}
    rows = qs.filter(extract_date__in=set(latest.values()))
    return {r.practice_id: r for r in rows if latest.get(r.practice_id) == r.extract_date}


def latest_patients(practice_ids, day: date | None = None) -> dict[int, tuple[int, date]]:
    """Each practice's latest all-persons registered patients on or before ``day``, with the
    extract date it comes from: the figures alone, without building a row object each (for
    thousands of practices)."""
    qs = ListSize.objects.filter(practice_id__in=practice_ids, sex="ALL", age_band="ALL")
    if day is not None:
        qs = qs.filter(extract_date__lte=day)
    latest = dict(
        qs.values("practice_id").annotate(d=Max("extract_date")).values_list("practice_id", "d")
    )
    if not latest:
        return {}
    rows = qs.filter(extract_date__in=set(latest.values())).values_list(
        "practice_id", "extract_date", "patients"
    )
    return {pk: (n, extract) for pk, extract, n in rows if latest.get(pk) == extract}


def extracts_text(extract_dates) -> str:
    """The extract dates a figure rests on, as a reader needs them: "extract of 1 January
    2021", or for a sum of practices' latest lists from different extracts "latest extracts,
    1 January 2021 to 1 April 2026"; empty for none."""
    dates = sorted(set(extract_dates))
    if not dates:
        return ""
    if len(dates) == 1:
        return f"extract of {dates[0]:%-d %B %Y}"
    return f"latest extracts, {dates[0]:%-d %B %Y} to {dates[-1]:%-d %B %Y}"


@dataclass
class RegisteredList:
    patients: int
    practices: int
    practices_without_figure: int
    extract_dates: list[date]

    @property
    def extracts(self) -> str:
        return extracts_text(self.extract_dates)


def registered_list(practice_ids, day: date | None = None) -> RegisteredList:
    ids = list(practice_ids)
    sizes = list_sizes_on(ids, day)
    return RegisteredList(
        patients=sum(s.patients for s in sizes.values()),
        practices=len(ids),
        practices_without_figure=len(set(ids) - set(sizes)),
        extract_dates=sorted({s.extract_date for s in sizes.values()}),
    )


def pcn_registered_list(pcn: PCN, day: date | None = None) -> RegisteredList:
    day = day or today()
    return registered_list([p.pk for p in pcn_practices_on(pcn, day)], day)


@dataclass
class PopulationFigure:
    """A yearly population, or a stand-in for a missing one, which must be labelled so: an
    estimate from the registered list, or one federation's own figure in place of the
    national one."""

    financial_year: int
    measure: str
    value: Decimal | None
    is_estimate: bool
    basis: str
    is_override: bool = False

    @property
    def year_label(self) -> str:
        return financial_year_label(self.financial_year)


def population(
    org: PCN | Practice,
    financial_year: int,
    measure: str,
    federation: Federation | None = None,
) -> PopulationFigure:
    """A PCN's or practice's adjusted or weighted population for the year as ``federation``
    uses it: its own figure if it has entered or imported one, else the national figure; with
    no federation, the national figure. If there is neither, an estimate from the registered
    list on 1 January of the year. Each is labelled as such wherever it is shown."""
    owner = {"pcn": org} if isinstance(org, PCN) else {"practice": org}
    figures = AnnualPopulation.objects.filter(
        financial_year=financial_year, measure=measure, **owner
    )
    if federation is not None:
        own = figures.filter(federation=federation).first()
        if own is not None:
            return PopulationFigure(
                financial_year,
                measure,
                own.value,
                False,
                f"{federation.name}'s own figure, not the national one: "
                f"{own.source or 'no source given'}",
                is_override=True,
            )
    figure = figures.filter(federation__isnull=True).first()
    if figure is not None:
        return PopulationFigure(financial_year, measure, figure.value, False, figure.source)
    on = date(financial_year, 1, 1)  # as the published figures are: 1 January before the year
    is_pcn = isinstance(org, PCN)
    listed = pcn_registered_list(org, on) if is_pcn else registered_list([org.pk], on)
    if listed.patients:
        return PopulationFigure(
            financial_year,
            measure,
            Decimal(listed.patients),
            True,
            f"Estimate: registered list ({listed.extracts}), not the published "
            f"{'adjusted' if measure == 'adjusted' else 'weighted'} population",
        )
    return PopulationFigure(financial_year, measure, None, True, "No figure and no list size")


def population_table(org: PCN | Practice, federation: Federation | None = None) -> list[dict]:
    """Every year with a figure, newest first, as ``federation`` uses them (national figures
    when it is None)."""
    owner = {"pcn": org} if isinstance(org, PCN) else {"practice": org}
    held = AnnualPopulation.objects.filter(**owner).filter(
        Q(federation__isnull=True) | Q(federation=federation)
        if federation is not None
        else Q(federation__isnull=True)
    )
    years = set(held.values_list("financial_year", flat=True))
    years.add(financial_year_of(today()))
    return [
        {
            "year": year,
            "label": financial_year_label(year),
            "adjusted": population(org, year, AnnualPopulation.Measure.ADJUSTED, federation),
            "weighted": population(org, year, AnnualPopulation.Measure.WEIGHTED, federation),
        }
        for year in sorted(years, reverse=True)
    ]


def federation_held_in_year(federation: Federation, financial_year: int) -> tuple[set, set]:
    """The practices (ids) a federation held on any day of the financial year, and the PCNs
    (ids) any of those practices belonged to while the federation held it: the figures it may
    keep its own of for that year."""
    first, last = date(financial_year, 4, 1), date(financial_year + 1, 3, 31)
    spells = FederationMembership.objects.filter(
        federation=federation, start_date__lte=last
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
    held: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for practice_id, start, end in spells.values_list("practice_id", "start_date", "end_date"):
        held[practice_id].append((max(start, first), min(end or last, last)))
    pcns = set()
    for practice_id, pcn_id, start, end in (
        PracticePCN.objects.filter(practice_id__in=list(held), start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .values_list("practice_id", "pcn_id", "start_date", "end_date")
    ):
        if any(start <= b and (end is None or end >= a) for a, b in held[practice_id]):
            pcns.add(pcn_id)
    return set(held), pcns


# --- federations -------------------------------------------------------------------------


def federation_memberships(federation: Federation) -> QuerySet[FederationMembership]:
    return (
        federation.memberships.select_related("practice")
        .only(*MEMBERSHIP_COLUMNS)
        .order_by("practice__name", "start_date")
    )


MEMBERSHIP_COLUMNS = [
    "federation_id",
    "start_date",
    "end_date",
    "join_reason",
    "leave_reason",
    "practice__code",
    "practice__name",
]


def practice_federations_between(
    practice: Practice, first: date | None = None, last: date | None = None
) -> QuerySet[Federation]:
    """Every federation the practice was a member of at some time between those days
    (either open)."""
    spells = FederationMembership.objects.filter(practice=practice)
    if first is not None:
        spells = spells.filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
    if last is not None:
        spells = spells.filter(start_date__lte=last)
    return Federation.objects.filter(pk__in=spells.values("federation_id"))


def federation_member_ids_on(federation: Federation, day: date | None = None) -> list[int]:
    day = day or today()
    return sorted(
        set(covering(federation.memberships.all(), day).values_list("practice_id", flat=True))
    )


def federation_practices_on(federation: Federation, day: date | None = None) -> list[Practice]:
    ids = federation_member_ids_on(federation, day)
    return list(Practice.objects.filter(pk__in=ids).order_by("name"))


def federation_pcns_on(federation: Federation, day: date | None = None) -> list[dict]:
    """The PCNs a federation's member practices belong to on ``day``, with how many of each
    PCN's practices are members."""
    day = day or today()
    member_ids = federation_member_ids_on(federation, day)
    spells = covering(PracticePCN.objects.filter(practice_id__in=member_ids), day).select_related(
        "pcn"
    )
    by_pcn: dict[int, dict] = {}
    for spell in spells:
        entry = by_pcn.setdefault(spell.pcn_id, {"pcn": spell.pcn, "member_practices": 0})
        entry["member_practices"] += 1
    totals: dict[int, int] = defaultdict(int)
    for pcn_id in covering(PracticePCN.objects.filter(pcn_id__in=by_pcn), day).values_list(
        "pcn_id", flat=True
    ):
        totals[pcn_id] += 1
    rows = []
    for pcn_id, entry in by_pcn.items():
        entry["all_practices"] = totals[pcn_id]
        rows.append(entry)
    return sorted(rows, key=lambda e: e["pcn"].name)


def federation_population_trend(federation: Federation) -> list[dict]:
    """Registered patients of the federation's members at each extract date."""
    memberships = list(federation.memberships.all())
    if not memberships:
        return []
    ids = {m.practice_id for m in memberships}
    rows = (
        ListSize.objects.filter(practice_id__in=ids, sex="ALL", age_band="ALL")
        .values_list("practice_id", "extract_date", "patients")
        .order_by("extract_date")
    )
    by_practice = defaultdict(list)
    for m in memberships:
        by_practice[m.practice_id].append(m)
    totals: dict[date, list[int]] = {}
    for practice_id, day, patients in rows:
        if any(m.covers(day) for m in by_practice[practice_id]):
            entry = totals.setdefault(day, [0, 0])
            entry[0] += patients
            entry[1] += 1
    return [{"date": d, "patients": p, "practices": n} for d, (p, n) in sorted(totals.items())]


AGE_BANDS_5 = [(low, low + 4) for low in range(0, 95, 5)] + [(95, None)]


def band_label(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}–{high}"


def federation_age_profile(federation: Federation, day: date | None = None) -> dict | None:
    """Members' registered patients by five-year age band and sex, from the latest extract with
    an age breakdown (single years are added up into five-year bands)."""
    ids = federation_member_ids_on(federation, day)
    banded = ListSize.objects.filter(
        practice_id__in=ids, sex__in=["MALE", "FEMALE"], age_from__isnull=False
    )
    latest = banded.aggregate(d=Max("extract_date"))["d"]
    if latest is None:
        return None
    rows = (
        banded.filter(extract_date=latest)
        .values("sex", "age_from", "age_to")
        .annotate(n=Sum("patients"))
    )
    rows = list(rows)
    has_single = any(r["age_to"] == r["age_from"] for r in rows)
    has_bands = any(r["age_to"] != r["age_from"] for r in rows)
    if has_single and has_bands:
        rows = [r for r in rows if r["age_to"] != r["age_from"]]
    counts = {(low, high): {"MALE": 0, "FEMALE": 0} for low, high in AGE_BANDS_5}
    for r in rows:
        low = r["age_from"]
        key = (95, None) if low >= 95 else (low - low % 5, low - low % 5 + 4)
        counts[key][r["sex"]] += r["n"]
    bands = [
        {
            "label": band_label(low, high),
            "male": counts[(low, high)]["MALE"],
            "female": counts[(low, high)]["FEMALE"],
            "total": counts[(low, high)]["MALE"] + counts[(low, high)]["FEMALE"],
        }
        for low, high in AGE_BANDS_5
    ]
    return {"extract_date": latest, "bands": bands, "total": sum(b["total"] for b in bands)}


def federation_membership_events(federation: Federation) -> list[dict]:
    events = []
    for m in federation.memberships.select_related("practice").only(*MEMBERSHIP_COLUMNS):
        events.append(
            {
                "date": m.start_date,
                "kind": "joined",
                "practice": m.practice,
                "reason": m.join_reason,
            }
        )
        if m.end_date:
            events.append(
                {
                    "date": m.end_date,
                    "kind": "left",
                    "practice": m.practice,
                    "reason": m.leave_reason,
                }
            )
    return sorted(events, key=lambda e: (e["date"], e["kind"]), reverse=True)


def federation_membership_by_year(federation: Federation) -> list[dict]:
    years: dict[int, dict] = {}
    for event in federation_membership_events(federation):
        entry = years.setdefault(
            event["date"].year, {"year": event["date"].year, "joined": 0, "left": 0}
        )
        entry[event["kind"]] += 1
    return sorted(years.values(), key=lambda e: e["year"])


def federation_summary(federation: Federation, day: date | None = None) -> dict:
    day = day or today()
    ids = federation_member_ids_on(federation, day)
    return {
        "federation": federation,
        "as_at": day,
        "practice_ids": ids,
        "practice_count": len(ids),
        "pcns": federation_pcns_on(federation, day),
        "registered": registered_list(ids, day),
    }
