"""Factories for accounts: people, their roles, invitations, API tokens and reset requests."""

import hashlib
from datetime import date, timedelta

import factory
from django.utils import timezone

from accounts.models import ApiToken, Invitation, PasswordResetRequest, Role, RoleGrant, User
from tests.factories.registry import FederationFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct-horse-battery")


class RoleGrantFactory(factory.django.DjangoModelFactory):
    """A federation role by default: ``through`` is the federation itself, as the constraint
    ``role_grant_federation_role_within_itself`` asks."""

    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    role = Role.FEDERATION_ADMIN
    federation = factory.SubFactory(FederationFactory)
    through = factory.SelfAttribute("federation")
    start_date = date(2025, 4, 1)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invited{n}@example.org")
    role = Role.FEDERATION_ADMIN
    federation = factory.SubFactory(FederationFactory)
    invited_to = factory.SelfAttribute("federation")
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"invitation-{n}".encode()).hexdigest())
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Token {n}")
    prefix = factory.Sequence(lambda n: f"t{n:07d}")
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest())
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=90))


class PasswordResetRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PasswordResetRequest

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    ip = "127.0.0.1"
