"""The shared library: who may see each document, versions kept with who changed them, and
uploads screened before anything is stored."""

import pytest

from accounts.models import User
from comms import library
from comms.models import Resource
from comms.services import CommsError
from registry.models import Federation
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def person(name):
    return User.objects.get(email=f"{name}@demo.gpfed.example")


def board_paper():
    federation = Federation.objects.get(slug=FED)
    folder = library.folder_add(federation, "Board papers", by=None)
    return library.resource_add(
        Resource(federation=federation, folder=folder, title="Board pack, November",
                 audience_roles=["board_member", "federation_admin"]),
        file_name="board.txt",
        data=b"Minutes and accounts",
        by=person("comms"),
    )  # fmt: skip


def test_each_document_is_seen_by_its_audience_only(demo, client):
    paper = board_paper()
    assert library.may_see(person("board"), paper)
    assert library.may_see(person("comms"), paper)  # who manages the library
    assert not library.may_see(person("manager.c82001"), paper)
    sign_in_verified(client, person("manager.c82001"))
    assert "Board pack" not in client.get("/comms/library/").content.decode()
    assert client.get(f"/comms/library/{paper.pk}/").status_code == 404
    assert client.get(f"/comms/library/{paper.pk}/v1").status_code == 404
    client.logout()
    sign_in_verified(client, person("board"))
    assert "Board pack" in client.get("/comms/library/").content.decode()
    download = client.get(f"/comms/library/{paper.pk}/v1")
    assert b"".join(download.streaming_content) == b"Minutes and accounts"


def test_versions_are_kept_with_who_changed_what(demo, client):
    paper = board_paper()
    sign_in_verified(client, person("comms"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/comms/library/{paper.pk}/",
        {"note": "Accounts corrected", "file": SimpleUploadedFile("board.txt", b"Fixed")},
    )
    assert response.status_code == 302
    versions = list(paper.versions.order_by("number"))
    assert [(v.number, v.note) for v in versions] == [
        (1, "First version"),
        (2, "Accounts corrected"),
    ]
    assert versions[1].uploaded_by == person("comms")
    paper.refresh_from_db()
    assert paper.latest.number == 2 and paper.updated_by == person("comms")
    page = client.get(f"/comms/library/{paper.pk}/").content.decode()
    assert "Accounts corrected" in page and "First version" in page


def test_an_upload_with_an_nhs_number_is_refused_and_nothing_is_kept(demo):
    paper = board_paper()
    with pytest.raises(CommsError, match="NHS number"):
        library.version_add(paper, file_name="x.txt", data=b"943 476 5919", note="x", by=None)
    with pytest.raises(CommsError, match="content is not"):
        library.version_add(paper, file_name="x.pdf", data=b"not a pdf", note="x", by=None)
    assert paper.versions.count() == 1
