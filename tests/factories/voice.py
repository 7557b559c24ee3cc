"""Factories for the members' voice: consultations (a federation's, of its practices, open
today for two weeks), their questions, responses and answers, reminder rounds, and the
federating programme's milestones, engagement and attendance. A consultation is opened by
setting ``opened_at``; a test that needs the rules a service applies (who answers, the
audience) goes through ``voice.services``."""

from datetime import timedelta

import factory
from django.utils import timezone

from tests.factories.registry import FederationFactory, PracticeFactory
from voice.models import (
    Answer,
    Attendance,
    Consultation,
    Engagement,
    Milestone,
    Question,
    Reminder,
    ReminderRound,
    Response,
)


class ConsultationFactory(factory.django.DjangoModelFactory):
    """A draft of a federation's consultation of its practices; ``opened_at=timezone.now()``
    opens it."""

    class Meta:
        model = Consultation

    federation = factory.SubFactory(FederationFactory)
    title = factory.Sequence(lambda n: f"Consultation {n}")
    purpose = "What members think before the board decides."
    audience = "practices"
    opens_on = factory.LazyFunction(timezone.localdate)
    closes_on = factory.LazyAttribute(lambda c: c.opens_on + timedelta(days=14))


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    consultation = factory.SubFactory(ConsultationFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = Question.Kind.CHOICE
    text = factory.Sequence(lambda n: f"Question {n}?")
    choices = factory.LazyFunction(lambda: ["Yes", "No"])


class ResponseFactory(factory.django.DjangoModelFactory):
    """A practice's response."""

    class Meta:
        model = Response

    consultation = factory.SubFactory(ConsultationFactory)
    practice = factory.SubFactory(PracticeFactory)
    responder_name = factory.Faker("name", locale="en_GB")
    submitted_at = factory.LazyFunction(timezone.now)


class AnswerFactory(factory.django.DjangoModelFactory):
    """An answer to a question of the same consultation as its response."""

    class Meta:
        model = Answer

    response = factory.SubFactory(ResponseFactory)
    question = factory.SubFactory(
        QuestionFactory, consultation=factory.SelfAttribute("..response.consultation")
    )
    choice = "Yes"


class ReminderRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderRound

    consultation = factory.SubFactory(ConsultationFactory)
    number = factory.Sequence(lambda n: n + 1)


class ConsultationReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    round = factory.SubFactory(ReminderRoundFactory)
    organisation_key = factory.Sequence(lambda n: f"practice-Z{n + 10000:05d}")
    organisation_name = factory.Sequence(lambda n: f"Test Surgery {n}")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    federation = factory.SubFactory(FederationFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    owner = "The COO"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))


class EngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engagement

    federation = factory.SubFactory(FederationFactory)
    practice = factory.SubFactory(PracticeFactory)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    federation = factory.SubFactory(FederationFactory)
    practice = factory.SubFactory(PracticeFactory)
    meeting_on = factory.LazyFunction(timezone.localdate)
    meeting = "Members' meeting"
