from datetime import date

import factory

from accounts.models import User
from registry.models import (
    PCN,
    Commissioner,
    Federation,
    FederationMembership,
    ListSize,
    Practice,
    PracticeCommissioner,
    PracticePCN,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct-horse-battery")


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
