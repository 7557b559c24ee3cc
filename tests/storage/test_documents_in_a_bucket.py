"""Documents kept in an S3-compatible bucket (GPFED_STORAGE=s3) go in and come out through the
same services and the same permission-checked pages as in the folder: a contract document, a
library version, a bulletin's file (and its email), an event's material. The object in the
bucket is private and holds exactly the bytes uploaded, with the SHA-256 recorded; a document
with an NHS number never reaches the bucket; another federation's person gets 404; a copy
changed in the bucket is refused, not served or sent."""

import hashlib
import logging
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.services import role_grant
from comms import events, library
from comms import services as comms
from comms.models import (
    Bulletin,
    BulletinFile,
    Delivery,
    Event,
    EventMaterial,
    Resource,
    ResourceVersion,
)
from finance import services as finance
from finance.models import Contract, ContractDocument
from registry.services import federation_create
from tests.conftest import sign_in_verified
from tests.factories import UserFactory
from tests.storage.conftest import PREFIX
from tests.uploads.files import pdf

pytestmark = pytest.mark.django_db
NOTES = b"Hub opening times from April: 08:00 to 20:00, Saturdays 09:00 to 17:00.\n"


@pytest.fixture(scope="module")
def spec() -> bytes:
    return pdf("Extended hours hub: service specification, version 3")


@pytest.fixture
def people():
    """Two federations, each with its administrator."""
    ours = federation_create(name="Northern Federation", by=None)
    theirs = federation_create(name="Southern Federation", by=None)
    admin = UserFactory(email="admin@northern.example")
    outsider = UserFactory(email="admin@southern.example")
    role_grant(user=admin, role="federation_admin", organisation=ours, by=None)
    role_grant(user=outsider, role="federation_admin", organisation=theirs, by=None)
    return ours, admin, outsider


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert "Location" not in response  # streamed through gpfed, never sent to the store
    return b"".join(response.streaming_content)  # the test client closes it at the end


def stored_as_uploaded(bucket, field, data: bytes, sha256: str | None = None) -> None:
    """The row's object is in the bucket under the prefix with exactly the bytes uploaded,
    the SHA-256 recorded is theirs, and no one but its owner is granted it."""
    key = f"{PREFIX}/{field.name}"
    assert key in bucket.objects()
    assert bucket.read(key) == data
    if sha256 is not None:
        assert sha256 == hashlib.sha256(bucket.read(key)).hexdigest()
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=key)["Grants"]
    assert grants and all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants), grants


def contract(federation, by):
    return finance.contract_save(
        federation=federation,
        by=by,
        reference="HUB-1",
        title="Extended hours hub",
        other_body="ICB",
        start_date=date(2026, 4, 1),
        basis=Contract.Basis.PER_UNIT,
    )


def test_the_default_storage_is_the_bucket_while_a_test_asks_for_it(bucket):
    assert default_storage.bucket_name == bucket.name
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    for model in (ContractDocument, ResourceVersion, BulletinFile, EventMaterial):
        assert model._meta.get_field("file").storage is default_storage  # lazy: follows settings


def test_a_contract_document_is_kept_in_the_bucket_and_downloaded_through_gpfed(
    bucket, people, client, settings, spec
):
    ours, admin, _ = people
    document = finance.document_add(
        contract=contract(ours, admin),
        by=admin,
        title="Specification",
        file_name="spec.pdf",
        data=spec,
    )
    stored_as_uploaded(bucket, document.file, spec, document.sha256)
    assert document.file.name.startswith("contracts/")
    assert not settings.MEDIA_ROOT.exists()  # nothing written to the local folder
    sign_in_verified(client, admin)
    response = client.get(f"/finance/{ours.slug}/documents/{document.pk}/")
    assert response["Content-Disposition"] == 'attachment; filename="spec.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert body(response) == spec


def test_two_documents_of_the_same_name_are_two_objects(bucket, people, spec):
    ours, admin, _ = people
    agreement = contract(ours, admin)
    first = finance.document_add(
        contract=agreement, by=admin, title="Old", file_name="spec.pdf", data=spec
    )
    second = finance.document_add(
        contract=agreement, by=admin, title="New", file_name="spec.pdf", data=spec + b"\n%v4\n"
    )
    assert first.file.name != second.file.name
    stored_as_uploaded(bucket, first.file, spec, first.sha256)
    stored_as_uploaded(bucket, second.file, spec + b"\n%v4\n", second.sha256)


def test_a_library_version_is_kept_in_the_bucket_and_downloaded_through_gpfed(
    bucket, people, client
):
    ours, admin, _ = people
    folder = library.folder_add(ours, "Policies", by=admin)
    resource = library.resource_add(
        Resource(federation=ours, folder=folder, title="Opening times"),
        file_name="times.txt",
        data=b"Old times\n",
        by=admin,
    )
    version = library.version_add(
        resource, file_name="times.txt", data=NOTES, note="From April", by=admin
    )
    stored_as_uploaded(bucket, version.file, NOTES, version.sha256)
    sign_in_verified(client, admin)
    assert body(client.get(f"/comms/library/{resource.pk}/v2")) == NOTES
    assert body(client.get(f"/comms/library/{resource.pk}/v1")) == b"Old times\n"


def test_a_bulletin_file_is_kept_in_the_bucket_downloaded_and_sent_by_email(bucket, people, client):
    ours, admin, _ = people
    bulletin = comms.bulletin_save(
        Bulletin(federation=ours, title="Hub hours", body="See the attached times."), by=admin
    )
    attached = comms.bulletin_file_add(bulletin, file_name="times.txt", data=NOTES, by=admin)
    stored_as_uploaded(bucket, attached.file, NOTES, attached.sha256)
    sign_in_verified(client, admin)
    assert body(client.get(f"/comms/bulletins/{bulletin.pk}/files/{attached.pk}")) == NOTES
    assert comms.bulletin_send(bulletin, by=admin) == 1
    assert comms.deliver_due()["sent"] == 1
    [message] = mail.outbox
    assert ("times.txt", NOTES.decode(), "text/plain") in [
        (name, content if isinstance(content, str) else content.decode(), kind)
        for name, content, kind in message.attachments
    ]


def test_an_event_material_is_kept_in_the_bucket_and_downloaded_through_gpfed(
    bucket, people, client
):
    ours, admin, _ = people
    start = timezone.now() + timedelta(days=7)
    event = events.event_save(
        Event(
            federation=ours,
            title="Hub forum",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            place="Hub",
        ),
        by=admin,
    )
    material = events.material_add(
        event, title="Notes", file_name="notes.txt", data=NOTES, by=admin
    )
    stored_as_uploaded(bucket, material.file, NOTES, material.sha256)
    assert (material.file_name, material.size) == ("notes.txt", len(NOTES))
    sign_in_verified(client, admin)
    response = client.get(f"/comms/events/{event.pk}/materials/{material.pk}")
    assert body(response) == NOTES
    assert 'filename="notes.txt"' in response["Content-Disposition"]
    # a copy changed in the bucket is not served: its SHA-256 no longer matches
    bucket.client.put_object(Bucket=bucket.name, Key=f"{PREFIX}/{material.file.name}", Body=b"x")
    assert client.get(f"/comms/events/{event.pk}/materials/{material.pk}").status_code == 500


def test_a_document_with_an_nhs_number_never_reaches_the_bucket(bucket, people, client):
    ours, admin, _ = people
    agreement = contract(ours, admin)
    library.folder_add(ours, "Policies", by=admin)
    before = bucket.objects()
    with pytest.raises(finance.FinanceError, match="looks like an NHS number"):
        finance.document_add(
            contract=agreement,
            by=admin,
            title="Referral",
            file_name="referral.pdf",
            data=pdf("Patient 943 476 5919 referred to the hub"),
        )
    sign_in_verified(client, admin)
    page = client.post(
        f"/finance/{ours.slug}/contracts/{agreement.pk}/documents/add/",
        {"title": "Referral", "file": SimpleUploadedFile("referral.csv", b"nhs,943 476 5919\n")},
    )
    assert "looks like an NHS number" in page.content.decode()
    assert bucket.objects() == before == set()
    assert not ContractDocument.objects.exists()


def test_another_federations_person_gets_404_for_every_document(bucket, people, client, spec):
    ours, admin, outsider = people
    document = finance.document_add(
        contract=contract(ours, admin), by=admin, title="Spec", file_name="spec.pdf", data=spec
    )
    folder = library.folder_add(ours, "Policies", by=admin)
    resource = library.resource_add(
        Resource(federation=ours, folder=folder, title="Times"),
        file_name="times.txt",
        data=NOTES,
        by=admin,
    )
    bulletin = comms.bulletin_save(Bulletin(federation=ours, title="Hours", body="Hi"), by=admin)
    attached = comms.bulletin_file_add(bulletin, file_name="times.txt", data=NOTES, by=admin)
    start = timezone.now() + timedelta(days=7)
    event = events.event_save(
        Event(
            federation=ours,
            title="Forum",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            place="Hub",
        ),
        by=admin,
    )
    material = events.material_add(
        event, title="Notes", file_name="notes.txt", data=NOTES, by=admin
    )
    addresses = [
        f"/finance/{ours.slug}/documents/{document.pk}/",
        f"/comms/library/{resource.pk}/v1",
        f"/comms/bulletins/{bulletin.pk}/files/{attached.pk}",
        f"/comms/events/{event.pk}/materials/{material.pk}",
    ]
    sign_in_verified(client, outsider)
    assert [client.get(a).status_code for a in addresses] == [404, 404, 404, 404]
    sign_in_verified(client, admin)
    assert [body(client.get(a)) for a in addresses] == [spec, NOTES, NOTES, NOTES]


def test_a_copy_changed_in_the_bucket_is_neither_served_nor_sent(
    bucket, people, client, caplog, spec
):
    ours, admin, _ = people
    document = finance.document_add(
        contract=contract(ours, admin), by=admin, title="Spec", file_name="spec.pdf", data=spec
    )
    bulletin = comms.bulletin_save(Bulletin(federation=ours, title="Hours", body="Hi"), by=admin)
    attached = comms.bulletin_file_add(bulletin, file_name="times.txt", data=NOTES, by=admin)
    bucket.write(f"{PREFIX}/{document.file.name}", spec[:-1] + b"!")
    bucket.write(f"{PREFIX}/{attached.file.name}", NOTES.replace(b"08:00", b"06:00"))
    sign_in_verified(client, admin)
    with caplog.at_level(logging.ERROR, logger="kernel.documents"):
        response = client.get(f"/finance/{ours.slug}/documents/{document.pk}/")
    assert response.status_code == 500
    assert "This document cannot be opened" in response.content.decode()
    assert spec not in response.content
    [logged] = [r for r in caplog.records if r.name == "kernel.documents"]
    assert document.file.name in logged.getMessage()
    assert f"not {document.sha256} as recorded" in logged.getMessage()
    comms.bulletin_send(bulletin, by=admin)
    counts = comms.deliver_due()
    assert counts["sent"] == 0 and mail.outbox == []
    delivery = Delivery.objects.get(bulletin=bulletin)
    assert delivery.error.startswith("DocumentDamaged: The stored copy of bulletins/")
    assert delivery.status == Delivery.Status.QUEUED  # tried again later, after a restore


def test_a_copy_missing_from_the_bucket_is_a_page_that_says_so(bucket, people, client, spec):
    ours, admin, _ = people
    document = finance.document_add(
        contract=contract(ours, admin), by=admin, title="Spec", file_name="spec.pdf", data=spec
    )
    bucket.client.delete_object(Bucket=bucket.name, Key=f"{PREFIX}/{document.file.name}")
    sign_in_verified(client, admin)
    response = client.get(f"/finance/{ours.slug}/documents/{document.pk}/")
    assert response.status_code == 500
    assert "is missing or is not the file that was uploaded" in response.content.decode()


def test_any_url_of_a_document_is_signed_and_short_lived(bucket, people, spec):
    ours, admin, _ = people
    document = finance.document_add(
        contract=contract(ours, admin), by=admin, title="Spec", file_name="spec.pdf", data=spec
    )
    url = document.file.url
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
