"""Factories for comms: bulletins and their deliveries, preferences, events, the library.

Each thing comes from a federation by default (the constraints ask for a federation or a
network, not both).
"""

import hashlib
from datetime import UTC, datetime

import factory
from django.core.files.base import ContentFile

from comms.models import (
    Bulletin,
    BulletinFile,
    Category,
    Delivery,
    Event,
    EventMaterial,
    Folder,
    MailSettings,
    Preference,
    Registration,
    Resource,
    ResourceVersion,
    Unsubscribe,
)
from tests.factories.accounts import UserFactory
from tests.factories.registry import FederationFactory

PDF = b"%PDF-1.4\n%%EOF\n"


def pdf_file(name: str = "file.pdf") -> ContentFile:
    return ContentFile(PDF, name=name)


class BulletinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bulletin

    federation = factory.SubFactory(FederationFactory)
    title = factory.Sequence(lambda n: f"Bulletin {n}")
    category = Category.NEWS
    body = "Clinics are open as usual."


class BulletinFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BulletinFile

    bulletin = factory.SubFactory(BulletinFactory)
    file_name = factory.Sequence(lambda n: f"attachment-{n}.pdf")
    file = factory.LazyAttribute(lambda o: pdf_file(o.file_name))
    content_type = "application/pdf"
    size = len(PDF)
    sha256 = hashlib.sha256(PDF).hexdigest()


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    bulletin = factory.SubFactory(BulletinFactory)
    user = factory.SubFactory(UserFactory)
    email = factory.SelfAttribute("user.email")
    message_id = factory.Sequence(lambda n: f"<bulletin-{n}@gpfed.test>")


class PreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preference

    user = factory.SubFactory(UserFactory)
    category = Category.NEWS
    choice = Preference.Choice.DIGEST


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    federation = factory.SubFactory(FederationFactory)
    title = factory.Sequence(lambda n: f"Event {n}")
    starts_at = datetime(2026, 12, 9, 13, tzinfo=UTC)
    ends_at = datetime(2026, 12, 9, 14, tzinfo=UTC)
    place = "Board room"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    status = Registration.Status.REGISTERED


class EventMaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventMaterial

    event = factory.SubFactory(EventFactory)
    title = "Slides"
    file = factory.LazyFunction(lambda: pdf_file("slides.pdf"))


class FolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Folder

    federation = factory.SubFactory(FederationFactory)
    name = factory.Sequence(lambda n: f"Folder {n}")


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    folder = factory.SubFactory(FolderFactory)
    federation = factory.SelfAttribute("folder.federation")
    title = factory.Sequence(lambda n: f"Policy {n}")


class ResourceVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceVersion

    resource = factory.SubFactory(ResourceFactory)
    number = factory.Sequence(lambda n: n + 1)
    file_name = "policy.pdf"
    file = factory.LazyAttribute(lambda o: pdf_file(o.file_name))
    size = len(PDF)
    sha256 = hashlib.sha256(PDF).hexdigest()


class UnsubscribeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unsubscribe

    federation = factory.SubFactory(FederationFactory)
    email = factory.Sequence(lambda n: f"contact{n}@example.org")


class MailSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MailSettings

    federation = factory.SubFactory(FederationFactory)
    reply_to = "comms@example.org"
