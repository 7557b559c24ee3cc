"""Factories for governance: articles, the register of members, resolutions, their eligible
members and votes. A factory row is what the database accepts; a test that needs the rules a
service applies (a nominated voter's role, eligibility when circulated) goes through the
service."""

from datetime import date

import factory

from governance.models import Articles, EligibleMember, Member, Resolution, Vote
from tests.factories.registry import FederationFactory, PracticeFactory


class ArticlesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Articles

    federation = factory.SubFactory(FederationFactory)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    federation = factory.SubFactory(FederationFactory)
    practice = factory.SubFactory(PracticeFactory)
    shares = 1


class ResolutionFactory(factory.django.DjangoModelFactory):
    """A written ordinary resolution, lapsing 28 days from circulation."""

    class Meta:
        model = Resolution

    federation = factory.SubFactory(FederationFactory)
    title = factory.Sequence(lambda n: f"Resolution {n}")
    text = "That the federation do this."
    kind = Resolution.Kind.ORDINARY
    mode = Resolution.Mode.WRITTEN
    weighting = Articles.VotingRule.PRACTICE
    circulated_on = date(2026, 10, 1)
    lapses_on = date(2026, 10, 28)


class EligibleMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EligibleMember

    resolution = factory.SubFactory(ResolutionFactory)
    practice = factory.SubFactory(PracticeFactory)
    weight = 1


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    resolution = factory.SubFactory(ResolutionFactory)
    practice = factory.SubFactory(PracticeFactory)
    choice = Vote.Choice.FOR
    cast_on = date(2026, 10, 2)
