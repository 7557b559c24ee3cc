"""Factories for the audit trail (tests normally let services write it; this is for reads)."""

import factory

from audit.models import AuditEvent
from tests.factories.accounts import UserFactory


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    origin = "127.0.0.1"
    action = "update"
    object_type = "practice"
    object_id = factory.Sequence(str)
