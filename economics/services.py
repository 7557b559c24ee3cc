"""Writes for saved scenarios: create one, save a new version (a version's inputs are never
edited: each save is a new version), share a version with the members, and work out (or work
out again) a version's results. Each takes ``by=`` and leaves an audit record.

The inputs are checked whole, as the scenario file is (``economics.scenario.scenario_read``),
before anything is written; the results are worked out in the request (10,000 draws for 85
practices take well under a second) and cached on the version with what they were worked from.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import audit_record
from economics.engine import all_certain, check_size, run
from economics.models import Scenario, ScenarioVersion
from economics.report import results_json
from economics.scenario import ScenarioError, scenario_read
from economics.selectors import inputs_hash, practices_basis, scenario_practices
from finance.models import Service
from kernel.errors import DomainError
from registry.models import Federation


class EconomicsError(DomainError):
    """A saved scenario refused, with the reason and the field (a path into the scenario)."""


def check_inputs(federation: Federation, inputs: dict):
    """The inputs read as a scenario file, for this federation; ``EconomicsError`` naming the
    field for the first problem."""
    try:
        scenario = scenario_read(json.dumps(inputs))
    except (ScenarioError, TypeError) as error:
        message = getattr(error, "message", str(error))
        raise EconomicsError(message, getattr(error, "field", None)) from None
    if scenario.federation != federation.slug:
        raise EconomicsError(f"federation: must be {federation.slug}", "federation")
    return scenario


def _compute(version: ScenarioVersion, scenario) -> None:
    federation = version.scenario.federation
    try:
        practices = scenario_practices(federation, scenario.as_of, scenario)
        if not all_certain(scenario.values):
            check_size(practices, scenario.draws)
    except ScenarioError as error:
        raise EconomicsError(error.message, error.field) from None
    except ValueError as error:
        raise EconomicsError(f"draws: {error}", "draws") from None
    results = run(
        values=scenario.values,
        practices=practices,
        draws=scenario.draws,
        seed=scenario.seed,
        income_basis=scenario.income_basis,
    )
    version.results = results_json(results, scenario)
    version.results_inputs_hash = version.inputs_hash
    version.results_basis, version.results_basis_text = practices_basis(practices)
    version.computed_at = timezone.now()


@transaction.atomic
def scenario_create(
    *,
    federation: Federation,
    name: str,
    inputs: dict,
    by,
    service: Service | None = None,
    note: str = "",
) -> ScenarioVersion:
    """A new scenario with its first version, its results worked out."""
    name = (name or "").strip()
    if not name:
        raise EconomicsError("Enter a name for the scenario.", "name")
    if service is not None and service.federation_id != federation.pk:
        raise EconomicsError("The service is not in this federation's catalogue.", "service")
    check_inputs(federation, inputs)
    scenario = Scenario.objects.create(
        federation=federation, name=name[:200], service=service, created_by=by_user(by)
    )
    audit_record(
        by=by,
        action="economics.scenario.create",
        obj=scenario,
        after={"name": scenario.name, "service": service},
        federation=federation,
    )
    return version_save(scenario=scenario, inputs=inputs, by=by, note=note)


def by_user(by):
    return by if getattr(by, "pk", None) else None


@transaction.atomic
def version_save(*, scenario: Scenario, inputs: dict, by, note: str = "") -> ScenarioVersion:
    """A new version of the scenario with these inputs (numbered after the last), its results
    worked out. Nothing is written if the inputs or the practices on the day are refused."""
    parsed = check_inputs(scenario.federation, inputs)
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    number = (scenario.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ScenarioVersion(
        scenario=scenario,
        number=number,
        inputs=inputs,
        inputs_hash=inputs_hash(inputs),
        note=(note or "").strip()[:300],
        created_by=by_user(by),
    )
    _compute(version, parsed)
    version.save()
    scenario.save(update_fields=["updated_at"])
    audit_record(
        by=by,
        action="economics.version.create",
        obj=version,
        after={"number": number, "inputs_hash": version.inputs_hash, "note": version.note},
        federation=scenario.federation,
    )
    return version


@transaction.atomic
def version_recompute(*, version: ScenarioVersion, by) -> ScenarioVersion:
    """Work a version's results out again from the registry as it is now (its inputs are as
    they were saved)."""
    version = ScenarioVersion.objects.select_for_update().get(pk=version.pk)
    before = {"results_basis_text": version.results_basis_text}
    _compute(version, check_inputs(version.scenario.federation, version.inputs))
    version.save()
    audit_record(
        by=by,
        action="economics.version.recompute",
        obj=version,
        before=before,
        after={"results_basis_text": version.results_basis_text},
        federation=version.scenario.federation,
    )
    return version


@transaction.atomic
def version_share(*, version: ScenarioVersion, shared: bool, by) -> ScenarioVersion:
    """Share a version with the member practices (each practice manager then sees their own
    practice's line of it), or stop sharing it."""
    version = ScenarioVersion.objects.select_for_update().get(pk=version.pk)
    before = {"shared_with_members": version.shared_with_members}
    version.shared_with_members = shared
    version.shared_at = timezone.now() if shared else None
    version.save(update_fields=["shared_with_members", "shared_at"])
    audit_record(
        by=by,
        action="economics.version.share" if shared else "economics.version.unshare",
        obj=version,
        before=before,
        after={"shared_with_members": shared},
        federation=version.scenario.federation,
    )
    return version
