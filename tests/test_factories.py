"""Every model of every app has a factory, and each factory makes a row the database accepts."""

import factory
import pytest
from django.apps import apps

import tests.factories

APPS = [
    "accounts",
    "audit",
    "bids",
    "comms",
    "directory",
    "economics",
    "finance",
    "governance",
    "registry",
    "rota",
    "voice",
]
FACTORIES = {
    value._meta.model: value
    for value in vars(tests.factories).values()
    if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory)
}


def test_every_model_has_a_factory():
    models = [model for app in APPS for model in apps.get_app_config(app).get_models()]
    assert [m._meta.label for m in models if m not in FACTORIES] == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", FACTORIES, ids=lambda model: model._meta.label)
def test_the_factory_makes_a_valid_row(model):
    made = FACTORIES[model]()
    made.validate_constraints()
    assert model.objects.filter(pk=made.pk).exists()
