"""Factories for governance: articles, the register of members, resolutions, their eligible
members and votes; the board's bodies, seats, meetings and their records; the register of
interests; gifts and hospitality; the risk register. A factory row is what the database
accepts; a test that needs the rules a service applies (a nominated voter's role,
eligibility when circulated) goes through the service."""

from datetime import UTC, date, datetime, timedelta

import factory

from governance.models import (
    Action,
    AgendaItem,
    Articles,
    Attendance,
    Body,
    Decision,
    EligibleMember,
    Gift,
    GiftsPolicy,
    Interest,
    InterestReturn,
    InterestRound,
    ItemDeclaration,
    ItemRisk,
    Meeting,
    Member,
    Minutes,
    MinutesApproval,
    Resolution,
    Risk,
    RiskScore,
    Seat,
    Vote,
)
from tests.factories.accounts import UserFactory
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


# --- the board and its meetings ------------------------------------------------------------


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    federation = factory.SubFactory(FederationFactory)
    name = factory.Sequence(lambda n: f"Committee {n}")
    kind = Body.Kind.BOARD
    quorum = 3


class SeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seat

    body = factory.SubFactory(BodyFactory)
    user = factory.SubFactory(UserFactory)
    start_date = date(2026, 1, 1)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    body = factory.SubFactory(BodyFactory)
    title = factory.Sequence(lambda n: f"Board meeting {n}")
    starts_at = factory.LazyFunction(lambda: datetime(2026, 12, 3, 18, 0, tzinfo=UTC))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + timedelta(hours=2))
    place = "Market Harborough hub"


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Item {n}")


class BoardAttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)
    status = Attendance.Status.PRESENT


class MinutesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Minutes

    meeting = factory.SubFactory(MeetingFactory)
    number = 1
    text = "The board met."


class MinutesApprovalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MinutesApproval

    minutes = factory.SubFactory(MinutesFactory)
    at_meeting = factory.SubFactory(
        MeetingFactory, body=factory.SelfAttribute("..minutes.meeting.body")
    )
    approved_on = date(2027, 1, 7)


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    meeting = factory.SubFactory(MeetingFactory)
    text = "The board decided."


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    raised_at = factory.SubFactory(MeetingFactory)
    body = factory.SelfAttribute("raised_at.body")
    text = factory.Sequence(lambda n: f"Action {n}")
    due_on = date(2027, 1, 31)


# --- the register of interests ---------------------------------------------------------------


class InterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interest

    federation = factory.SubFactory(FederationFactory)
    user = factory.SubFactory(UserFactory)
    kind = Interest.Kind.FINANCIAL
    party = factory.Sequence(lambda n: f"Company {n} Ltd")
    description = "Shareholder"
    start_date = date(2025, 4, 1)
    occasion = Interest.Occasion.APPOINTMENT
    declared_on = date(2026, 1, 5)


class InterestRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterestRound

    federation = factory.SubFactory(FederationFactory)
    year = factory.Sequence(lambda n: 2026 + n)
    opened_on = date(2026, 4, 1)
    due_on = date(2026, 4, 29)


class InterestReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterestReturn

    round = factory.SubFactory(InterestRoundFactory)
    user = factory.SubFactory(UserFactory)
    nil = True
    returned_on = date(2026, 4, 10)


class ItemDeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemDeclaration

    item = factory.SubFactory(AgendaItemFactory)
    user = factory.SubFactory(UserFactory)
    note = "Shareholder in a bidder"


# --- gifts and hospitality, and the risk register ---------------------------------------------


class GiftsPolicyFactory(factory.django.DjangoModelFactory):
    """The common NHS thresholds (the model's defaults)."""

    class Meta:
        model = GiftsPolicy

    federation = factory.SubFactory(FederationFactory)


class GiftFactory(factory.django.DjangoModelFactory):
    """A £20 gift offered by someone who is not a supplier, accepted."""

    class Meta:
        model = Gift

    federation = factory.SubFactory(FederationFactory)
    user = factory.SubFactory(UserFactory)
    kind = Gift.Kind.GIFT
    party = factory.Sequence(lambda n: f"Patient group {n}")
    description = "A box of chocolates"
    value_pence = 2_000
    on = date(2026, 11, 2)
    accepted = True


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    federation = factory.SubFactory(FederationFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Risk {n}")
    description = "Something that could go wrong."
    owner = factory.SubFactory(UserFactory)
    review_on = date(2027, 3, 31)


class RiskScoreFactory(factory.django.DjangoModelFactory):
    """Likely and major before controls (16, extreme), possible and moderate after (9, high)."""

    class Meta:
        model = RiskScore

    risk = factory.SubFactory(RiskFactory)
    likelihood_before = 4
    impact_before = 4
    likelihood_after = 3
    impact_after = 3
    assessed_on = date(2026, 11, 2)


class ItemRiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemRisk

    item = factory.SubFactory(AgendaItemFactory)
    risk = factory.SubFactory(RiskFactory)
