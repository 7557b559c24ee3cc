"""Reads for the modeller: a scenario's practices from the registry, and its results.

Saves nothing. The practices are the federation's members on the scenario's day, each with its
latest all-persons registered list on or before that day and the PCN it was in that day, read
through the registry's selectors in a fixed handful of queries, whatever the federation's size.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django.db.models import Max, QuerySet, Sum

from economics.engine import PracticeInput, Results, all_certain, check_size, run
from economics.models import Scenario, ScenarioVersion
from economics.scenario import Scenario as Scenario_
from economics.scenario import ScenarioError, scenario_read
from finance.models import Activity, ContractService, FinanceSettings, Service
from kernel.dates import add_months, month_start
from kernel.formats import counted
from registry.models import Federation, PracticePCN
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


def scenario_practices(federation: Federation, day: date) -> list[PracticeInput]:
    """The federation's member practices on ``day``, in ODS code order, with their lists and
    PCNs; ``ScenarioError`` on ``as_of`` if there are none, or if a member has no list."""
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
    return sorted(
        (PracticeInput(p.code, patients[p.pk][0], pcns.get(p.pk)) for p in practices),
        key=lambda p: p.code,
    )


def scenario_results(scenario: Scenario_, federation: Federation | None = None) -> Results:
    """The modeller's results for a scenario: every input read and checked (the federation,
    its practices, the size of the run) before anything is worked out."""
    federation = federation or scenario_federation(scenario.federation)
    practices = scenario_practices(federation, scenario.as_of)
    if not all_certain(scenario.values):  # a certain scenario is worked once, exactly
        try:
            check_size(practices, scenario.draws)
        except ValueError as error:
            raise ScenarioError("draws", str(error)) from None
    return run(
        values=scenario.values, practices=practices, draws=scenario.draws, seed=scenario.seed
    )


# --- saved scenarios ----------------------------------------------------------------------


def practices_basis(practices: list[PracticeInput]) -> tuple[str, str]:
    """A fingerprint of the practices a result is worked from (codes, lists and PCNs), and the
    same in words, so a page can tell when the registry has moved on since."""
    rows = [[p.code, p.list_size, p.pcn] for p in practices]
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
        practices = scenario_practices(version.scenario.federation, scenario.as_of)
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
    registered patients from the last twelve months' activity against today's lists. The PCN
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
        inputs["volume_per_1000"] = round(units * 1000 / patients, 2)
    return inputs


def catalogue_services(federation: Federation) -> QuerySet:
    return Service.objects.filter(federation=federation, active=True).order_by("name")
