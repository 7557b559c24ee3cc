"""Reads for the modeller: a scenario's practices from the registry, and its results.

Saves nothing. The practices are the federation's members on the scenario's day, each with its
latest all-persons registered list on or before that day and the PCN it was in that day, read
through the registry's selectors in a fixed handful of queries, whatever the federation's size.
"""

from __future__ import annotations

from datetime import date

from economics.engine import PracticeInput, Results, all_certain, check_size, run
from economics.scenario import Scenario, ScenarioError
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


def scenario_results(scenario: Scenario, federation: Federation | None = None) -> Results:
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
