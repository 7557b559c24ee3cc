"""Factories for the bids pipeline: opportunities, their criteria, documents, stage history,
practices' commitments and deadline reminders. An opportunity is entered by hand (no OCID) and
identified; a test that needs a stage reached by the rules (a decision, a win) goes through
``bids.services``."""

from datetime import timedelta

import factory
from django.utils import timezone

from bids.models import Commitment, Criterion, Document, Opportunity, Reminder, StageChange
from tests.factories.registry import FederationFactory, PracticeFactory


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    federation = factory.SubFactory(FederationFactory)
    buyer = "NHS Test Integrated Care Board"
    title = factory.Sequence(lambda n: f"Tender {n}")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    opportunity = factory.SubFactory(OpportunityFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 100


class BidDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    opportunity = factory.SubFactory(OpportunityFactory)
    title = "Specification"
    url = factory.Sequence(lambda n: f"https://tenders.example.org/documents/{n}")


class StageChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageChange

    opportunity = factory.SubFactory(OpportunityFactory)
    stage = "identified"
    changed_on = factory.LazyFunction(timezone.localdate)


class CommitmentFactory(factory.django.DjangoModelFactory):
    """A practice asked and not yet answered."""

    class Meta:
        model = Commitment

    opportunity = factory.SubFactory(OpportunityFactory)
    practice = factory.SubFactory(PracticeFactory)
    list_size = 8000


class BidReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    opportunity = factory.SubFactory(OpportunityFactory)
    deadline = Reminder.Deadline.SUBMISSION
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    sent_at = factory.LazyFunction(timezone.now)
