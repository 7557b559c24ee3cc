"""Factories for the registry: organisations, federations and networks, populations, imports."""

import hashlib
from datetime import date
from decimal import Decimal

import factory

from registry.models import (
    PCN,
    AnnualPopulation,
    Commissioner,
    Federation,
    FederationMembership,
    ImportRun,
    ListSize,
    MembershipConsent,
    Network,
    NetworkMembership,
    OtherOrganisation,
    Practice,
    PracticeCommissioner,
    PracticePCN,
)


class CommissionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commissioner
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{n % 100:02d}{chr(65 + n % 26)}")
    kind = Commissioner.Kind.SUB_ICB
    name = factory.LazyAttribute(lambda o: f"Sub-ICB location {o.code}")


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    code = factory.Sequence(lambda n: f"Z{n + 10000:05d}")
    name = factory.Sequence(lambda n: f"Test Surgery {n}")
    postcode = "LE8 0LG"
    open_date = date(1990, 4, 1)
    status = Practice.Status.ACTIVE


class PCNFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PCN

    code = factory.Sequence(lambda n: f"U{n + 90000:05d}")
    name = factory.Sequence(lambda n: f"Test PCN {n}")
    open_date = date(2019, 10, 1)


class PracticePCNFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticePCN

    practice = factory.SubFactory(PracticeFactory)
    pcn = factory.SubFactory(PCNFactory)
    start_date = date(2019, 10, 1)
    source = PracticePCN.Source.EPCN


class PracticeCommissionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeCommissioner

    practice = factory.SubFactory(PracticeFactory)
    commissioner = factory.SubFactory(CommissionerFactory)
    start_date = date(2013, 4, 1)
    source = PracticeCommissioner.Source.EPRACCUR


class ListSizeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListSize

    practice = factory.SubFactory(PracticeFactory)
    extract_date = date(2025, 1, 1)
    sex = ListSize.Sex.ALL
    age_band = "ALL"
    patients = 10_000


class FederationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Federation

    name = factory.Sequence(lambda n: f"Test GP Federation {n}")
    slug = factory.Sequence(lambda n: f"test-gp-federation-{n}")


class FederationMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FederationMembership

    federation = factory.SubFactory(FederationFactory)
    practice = factory.SubFactory(PracticeFactory)
    start_date = date(2016, 4, 1)


class MembershipConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipConsent

    federation = factory.SubFactory(FederationFactory)
    practice = factory.SubFactory(PracticeFactory)
    start_date = date(2026, 4, 1)


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Test Federation Network {n}")
    slug = factory.Sequence(lambda n: f"test-federation-network-{n}")


class NetworkMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkMembership

    network = factory.SubFactory(NetworkFactory)
    federation = factory.SubFactory(FederationFactory)
    start_date = date(2024, 4, 1)


class OtherOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OtherOrganisation

    code = factory.Sequence(lambda n: f"Y{n + 10000:05d}")
    name = factory.Sequence(lambda n: f"Test Organisation {n}")


class ImportRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRun

    file_name = factory.Sequence(lambda n: f"epraccur-{n}.csv")
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"file-{n}".encode()).hexdigest())


class AnnualPopulationFactory(factory.django.DjangoModelFactory):
    """A PCN's adjusted population for 2026/27 (set ``practice=`` and ``pcn=None`` for a
    practice's)."""

    class Meta:
        model = AnnualPopulation

    pcn = factory.SubFactory(PCNFactory)
    financial_year = 2026
    measure = AnnualPopulation.Measure.ADJUSTED
    value = Decimal(10_000)
    source = "test"
