"""Reads for the modeller: a scenario's practices from the registry, and its results.

Saves nothing. The practices are the federation's members on the scenario's day, each with its
latest all-persons registered list on or before that day and the PCN it was in that day, read
through the registry's selectors in a fixed handful of queries, whatever the federation's size.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction

from django.db.models import Max, QuerySet, Sum

from economics.engine import (
    FROM_ACTIVITY,
    FROM_AGES,
    FROM_FEDERATION_RATE,
    PracticeInput,
    Results,
    all_certain,
    check_size,
    run,
)
from economics.models import Scenario, ScenarioVersion
from economics.scenario import AGES, LAST_YEAR, ScenarioError, scenario_read
from economics.scenario import Scenario as Scenario_
from finance.models import Activity, ContractService, FinanceSettings, Service
from kernel.dates import add_months, month_start
from kernel.formats import counted
from registry.models import Federation, ListSize, PracticePCN
from registry.selectors import (
    covering,
    federation_by_slug,
    federation_practices_on,
    latest_patients,
)


def scenario_federation(slug: str) -> Federation:
    federation = federation_by_slug(slug)
    if federation is None:
        raise ScenarioError("federation", f"there is no federation {slug!r}")
    return federation


def practice_pcn_codes_on(practice_ids: list[int], day: date) -> dict[int, str]:
    """The code of the PCN each practice was in on ``day`` (the latest spell if two overlap);
    practices in none are left out."""
    spells = (
        covering(PracticePCN.objects.filter(practice_id__in=practice_ids), day)
        .order_by("start_date")
        .values_list("practice_id", "pcn__code")
    )
    return dict(spells)


def scenario_practices(
    federation: Federation, day: date, scenario: Scenario_ | None = None
) -> list[PracticeInput]:
    """The federation's member practices on ``day``, in ODS code order, with their lists and
    PCNs; ``ScenarioError`` on ``as_of`` if there are none, or if a member has no list. With a
    ``scenario`` whose volume is by ages or last year's activity, each practice's volume base
    from the registry's age bands or finance's activity (``practice_volumes``)."""
    practices = federation_practices_on(federation, day)
    if not practices:
        raise ScenarioError(
            "as_of", f"{federation.name} had no member practices on {day:%-d %B %Y}"
        )
    ids = [p.pk for p in practices]
    patients = latest_patients(ids, day)
    missing = sorted(p.code for p in practices if p.pk not in patients)
    if missing:
        raise ScenarioError(
            "as_of",
            f"no registered list on or before {day:%-d %B %Y} for "
            f"{counted(len(missing), 'member practice')}: {', '.join(missing)}",
        )
    pcns = practice_pcn_codes_on(ids, day)
    inputs = sorted(
        (PracticeInput(p.code, patients[p.pk][0], pcns.get(p.pk)) for p in practices),
        key=lambda p: p.code,
    )
    if scenario is None:
        return inputs
    return practice_volumes(federation, scenario, inputs, {p.code: p.pk for p in practices})


def practice_volumes(
    federation: Federation, scenario: Scenario_, practices: list[PracticeInput], ids: dict
) -> list[PracticeInput]:
    """The practices with their volume bases for the scenario's volume: per 1,000 registered
    patients (as they are), per 1,000 patients in the chosen ages, or each practice's own
    units of the catalogue service in the last twelve months (the federation's rate per 1,000
    for a practice that recorded none)."""
    if scenario.volume_basis == AGES:
        counts = patients_in_ages(list(ids.values()), scenario.as_of, scenario.ages)
        missing = sorted(p.code for p in practices if ids[p.code] not in counts)
        if missing:
            raise ScenarioError(
                "volume.ages",
                f"no list by age on or before {scenario.as_of:%-d %B %Y} for "
                f"{counted(len(missing), 'member practice')}: {', '.join(missing)}",
            )
        return [
            replace(p, volume_base=Fraction(counts[ids[p.code]], 1000), volume_from=FROM_AGES)
            for p in practices
        ]
    if scenario.volume_basis != LAST_YEAR:
        return practices
    service = Service.objects.filter(federation=federation, code=scenario.service).first()
    if service is None:
        raise ScenarioError(
            "volume.last_year", f"there is no service {scenario.service!r} in the catalogue"
        )
    units = practice_activity_last_year(service, list(ids.values()), scenario.as_of)
    active = [p for p in practices if units.get(ids[p.code])]
    if not active:
        raise ScenarioError(
            "volume.last_year",
            f"no member practice recorded any {service.name} in the twelve months before "
            f"{scenario.as_of:%B %Y}",
        )
    # Units per registered patient of the practices that recorded some.
    rate = Fraction(sum(units[ids[p.code]] for p in active), sum(p.list_size for p in active))
    return [
        replace(p, volume_base=Fraction(units[ids[p.code]]), volume_from=FROM_ACTIVITY)
        if units.get(ids[p.code])
        else replace(p, volume_base=rate * p.list_size, volume_from=FROM_FEDERATION_RATE)
        for p in practices
    ]


def patients_in_ages(practice_ids: list[int], day: date, ages) -> dict[int, int]:
    """Each practice's registered patients aged ``ages`` (from, to; to None for "and over"),
    male and female, from its latest extract with an age breakdown on or before ``day``: single
    years where that extract has them, else five-year bands, which must lie wholly inside the
    ages (``ScenarioError`` on ``volume.ages`` for a band the ages cut through)."""
    start, end = ages
    banded = ListSize.objects.filter(
        practice_id__in=practice_ids,
        sex__in=["MALE", "FEMALE"],
        age_from__isnull=False,
        extract_date__lte=day,
    )
    latest = dict(
        banded.values("practice_id").annotate(d=Max("extract_date")).values_list("practice_id", "d")
    )
    rows = banded.filter(extract_date__in=set(latest.values())).values_list(
        "practice_id", "extract_date", "age_from", "age_to", "patients"
    )
    by_practice: dict[int, list[tuple[int, int | None, int]]] = {}
    for pk, extract, low, high, n in rows:
        if latest.get(pk) == extract:
            by_practice.setdefault(pk, []).append((low, high, n))
    counts = {}
    for pk, bands in by_practice.items():
        single = [b for b in bands if b[0] == b[1]]
        counts[pk] = _in_ages(single or bands, start, end)
    return counts


def _in_ages(bands, start: int, end: int | None) -> int:
    total = 0
    for low, high, n in bands:
        top = high if high is not None else 10_000  # "95+" runs on
        inside = low >= start and (end is None or top <= end)
        outside = top < start or (end is not None and low > end)
        if not inside and not outside:
            label = f"{low}+" if high is None else f"{low} to {high}"
            raise ScenarioError(
                "volume.ages",
                f"a list is counted by age {label}, which the ages {start} to "
                f"{'any age' if end is None else end} cut through: choose ages that start and "
                "end on its bands",
            )
        total += n if inside else 0
    return total


def practice_activity_last_year(service: Service, practice_ids: list[int], day: date) -> dict:
    """Each practice's own units of the service in the twelve months before ``day``'s month
    (its practice rows; a PCN's rows are not any one practice's)."""
    last = add_months(month_start(day), -1)
    first = add_months(last, -11)
    rows = (
        Activity.objects.filter(
            service=service,
            practice_id__in=practice_ids,
            month__gte=first,
            month__lte=last,
        )
        .values("practice_id")
        .annotate(n=Sum("units"))
        .values_list("practice_id", "n")
    )
    return dict(rows)


def scenario_results(scenario: Scenario_, federation: Federation | None = None) -> Results:
    """The modeller's results for a scenario: every input read and checked (the federation,
    its practices, the size of the run) before anything is worked out."""
    federation = federation or scenario_federation(scenario.federation)
    practices = scenario_practices(federation, scenario.as_of, scenario)
    if not all_certain(scenario.values):  # a certain scenario is worked once, exactly
        try:
            check_size(practices, scenario.draws)
        except ValueError as error:
            raise ScenarioError("draws", str(error)) from None
    return run(
        values=scenario.values,
        practices=practices,
        draws=scenario.draws,
        seed=scenario.seed,
        income_basis=scenario.income_basis,
    )


# --- saved scenarios ----------------------------------------------------------------------


def practices_basis(practices: list[PracticeInput]) -> tuple[str, str]:
    """A fingerprint of the practices a result is worked from (codes, lists and PCNs), and the
    same in words, so a page can tell when the registry has moved on since."""
    rows = [[p.code, p.list_size, p.pcn] for p in practices]
    if any(p.volume_base is not None for p in practices):  # by ages or last year's activity
        rows = [[*row, str(p.base), p.volume_from] for row, p in zip(rows, practices, strict=True)]
    digest = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
    patients = sum(p.list_size for p in practices)
    return digest, f"{counted(len(practices), 'practice')}, {patients:,} registered patients"


def inputs_hash(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def federation_scenarios(federation: Federation, *, shared_only: bool = False) -> QuerySet:
    """The federation's saved scenarios, each with its latest version's number (and, when
    ``shared_only``, only those with a version shared with members)."""
    scenarios = Scenario.objects.filter(federation=federation).select_related(
        "service", "created_by"
    )
    if shared_only:
        scenarios = scenarios.filter(versions__shared_with_members=True).distinct()
    return scenarios.annotate(latest=Max("versions__number"), updated=Max("versions__created_at"))


def scenario_versions(scenario: Scenario, *, shared_only: bool = False) -> QuerySet:
    versions = scenario.versions.select_related("created_by").order_by("-number")
    return versions.filter(shared_with_members=True) if shared_only else versions


def latest_version(scenario: Scenario) -> ScenarioVersion | None:
    return scenario.versions.order_by("-number").first()


def version_scenario(version: ScenarioVersion) -> Scenario_:
    """A saved version's inputs as the modeller reads them (they were checked when saved)."""
    return scenario_read(json.dumps(version.inputs))


@dataclass(frozen=True)
class Freshness:
    """Whether a version's cached results still stand: worked from these inputs and from the
    practices, lists and PCNs the registry holds for the day now."""

    computed: bool
    current: bool
    basis_text: str  # what the results were worked from
    now_text: str  # what the registry holds now ("" when it cannot say)
    problem: str = ""  # why the results cannot be worked out now, if they cannot

    @property
    def out_of_date(self) -> bool:
        return self.computed and not self.current


def version_freshness(version: ScenarioVersion) -> Freshness:
    computed = version.results is not None and version.results_inputs_hash == version.inputs_hash
    try:
        scenario = version_scenario(version)
        practices = scenario_practices(version.scenario.federation, scenario.as_of, scenario)
    except ScenarioError as error:
        return Freshness(computed, False, version.results_basis_text, "", error.message)
    basis, text = practices_basis(practices)
    return Freshness(
        computed, computed and basis == version.results_basis, version.results_basis_text, text
    )


def practice_lines(results: dict, codes: set[str]) -> list[dict]:
    """The lines of a version's results for these practices alone (a practice manager's)."""
    return [line for line in results.get("practices", []) if line["code"] in codes]


def service_activity_last_year(service: Service, day: date) -> tuple[int, date, date]:
    """Units of a catalogue service in the twelve months before ``day``'s month (practices'
    and PCNs'), with the first and last month counted."""
    last = add_months(month_start(day), -1)
    first = add_months(last, -11)
    units = Activity.objects.filter(service=service, month__gte=first, month__lte=last).aggregate(
        n=Sum("units")
    )["n"]
    return units or 0, first, last


def _pounds(pence: int) -> int | float:
    return pence // 100 if pence % 100 == 0 else pence / 100


def service_prefill(service: Service, day: date) -> dict:
    """A scenario for a catalogue service, in the file's format, from what the catalogue holds:
    the federation's costs (a year, and per unit), what one practice would pay alone, the
    price a contract pays per unit, the federation's top-slice, and the volume per 1,000
    registered patients from the last twelve months' activity against today's lists (and
    ``volume: {"last_year": code}``, each practice's own, which the form starts from). The PCN
    level has no figures in the catalogue: it is left out, for the person to give."""
    federation = service.federation
    inputs: dict = {
        "federation": federation.slug,
        "as_of": day.isoformat(),
        "unit": service.unit,
        "levels": {
            "practice": {
                "fixed_per_year": _pounds(service.alone_fixed_monthly_pence * 12),
                "cost_per_unit": _pounds(service.alone_per_unit_pence),
            },
            "federation": {
                "fixed_per_year": _pounds(service.fixed_monthly_pence * 12),
                "cost_per_unit": _pounds(service.cost_per_unit_pence),
            },
        },
    }
    settings = FinanceSettings.objects.filter(federation=federation).first()
    if settings is not None:
        inputs["levels"]["federation"]["overhead_percent"] = float(settings.overhead_percent)
    price = (
        ContractService.objects.filter(service=service, unit_price_pence__isnull=False)
        .order_by("-contract__start_date")
        .values_list("unit_price_pence", flat=True)
        .first()
    )
    if price is not None:
        inputs["income_per_unit"] = _pounds(price)
    units, _, _ = service_activity_last_year(service, day)
    try:
        patients = sum(p.list_size for p in scenario_practices(federation, day))
    except ScenarioError:
        patients = 0
    if units and patients:
        # Each practice's own activity; the federation's rate too, for the form's figure.
        inputs["volume"] = {"last_year": service.code}
        inputs["volume_per_1000"] = round(units * 1000 / patients, 2)
    return inputs


def catalogue_services(federation: Federation) -> QuerySet:
    return Service.objects.filter(federation=federation, active=True).order_by("name")
