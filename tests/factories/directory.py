"""Factories for the directory: networks' join requests and boards, and contacts."""

from datetime import date

import factory

from directory.models import BoardSeat, Contact, JoinRequest
from tests.factories.registry import FederationFactory, NetworkFactory, PracticeFactory


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest

    network = factory.SubFactory(NetworkFactory)
    federation = factory.SubFactory(FederationFactory)
    message = "We would like to join."


class BoardSeatFactory(factory.django.DjangoModelFactory):
    """A member's seat (the network may have only one open chair and vice-chair)."""

    class Meta:
        model = BoardSeat

    network = factory.SubFactory(NetworkFactory)
    position = BoardSeat.Position.MEMBER
    name = factory.Faker("name", locale="en_GB")
    start_date = date(2025, 4, 1)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    federation = factory.SubFactory(FederationFactory)
    practice = factory.SubFactory(PracticeFactory)
    name = factory.Faker("name", locale="en_GB")
    role = "Practice manager"
    email = factory.Sequence(lambda n: f"contact{n}@example.nhs.uk")
