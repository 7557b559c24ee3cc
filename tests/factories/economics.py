"""Factories for the economics modeller's saved scenarios and their versions. A version's
inputs are a small certain scenario in the file's format (docs/economics.md); its results are
left to be worked out, as a new version's are. A test that needs them worked out goes through
``economics.services``."""

import factory

from economics.models import Scenario, ScenarioVersion
from economics.selectors import inputs_hash
from tests.factories.registry import FederationFactory


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scenario

    federation = factory.SubFactory(FederationFactory)
    name = factory.Sequence(lambda n: f"Scenario {n}")


def _inputs(version) -> dict:
    return {
        "federation": version.scenario.federation.slug,
        "as_of": "2026-10-01",
        "unit": "blood test",
        "volume_per_1000": 300,
        "income_per_unit": 4.5,
        "levels": {
            "practice": {"fixed_per_year": 6500, "cost_per_unit": 2.1},
            "pcn": {"fixed_per_year": 11000, "cost_per_unit": 1.8},
            "federation": {"fixed_per_year": 40000, "cost_per_unit": 1.6, "overhead_percent": 6},
        },
        "draws": 1,
        "seed": 0,
    }


class ScenarioVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScenarioVersion

    scenario = factory.SubFactory(ScenarioFactory)
    number = factory.Sequence(lambda n: n + 1)
    inputs = factory.LazyAttribute(_inputs)
    inputs_hash = factory.LazyAttribute(lambda v: inputs_hash(v.inputs))
