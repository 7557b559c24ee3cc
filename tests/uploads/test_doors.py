"""One upload policy at every door: the registry's imports, activity files, contract documents,
the library (a new document and a new version), bulletin files, event materials, contacts and
availability. At each, a zip bomb, a workbook reaching the last cell and an oversize file are
refused in the request with a message that says why, and nothing is stored: no row, no bytes
in the database, no file in the documents folder."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from comms import events, library, services
from comms.models import Bulletin, BulletinFile, Event, EventMaterial, Resource, ResourceVersion
from directory.models import Contact
from finance import services as finance
from finance.models import Activity, ActivityUpload, Contract, ContractDocument
from registry.models import Federation, ImportRun
from rota.models import Availability
from tests.conftest import sign_in_verified
from tests.uploads.files import far_cell_bomb

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"
DOORS = [
    "import",
    "activity",
    "contract",
    "library",
    "library version",
    "bulletin",
    "event",
    "contacts",
    "availability",
]


@dataclass
class Door:
    post: object  # (file name, bytes) -> the page the person sees
    stored: object  # () -> what the door has stored
    csv_only: bool = False


@pytest.fixture
def doors(demo, client, admin_user, settings):
    sign_in_verified(client, admin_user)
    federation = Federation.objects.get(slug=FED)
    contract = finance.contract_save(
        federation=federation,
        by=None,
        reference="HUB-1",
        title="Hub",
        other_body="ICB",
        start_date=date(2025, 4, 1),
        basis=Contract.Basis.PER_UNIT,
    )
    folder = library.folder_add(federation, "Board papers", by=None)
    paper = library.resource_add(
        Resource(federation=federation, folder=folder, title="Board pack"),
        file_name="board.txt",
        data=b"Minutes",
        by=None,
    )
    bulletin = services.bulletin_save(
        Bulletin(federation=federation, title="Update", body="News"), by=None
    )
    start = timezone.now() + timedelta(days=10)
    event = events.event_save(
        Event(
            federation=federation,
            title="Forum",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Hub",
        ),
        by=None,
    )

    def post(url, fields=None, follow=False):
        def send(name, data):
            upload = SimpleUploadedFile(name, data)
            response = client.post(url, {**(fields or {}), "file": upload}, follow=follow)
            assert response.status_code in (200, 302), response.status_code
            return response.content.decode()

        return send

    return {
        "import": Door(post("/imports/"), lambda: ImportRun.objects.count()),
        "activity": Door(
            post(reverse("finance:activity", args=[FED])),
            lambda: ActivityUpload.objects.count() + Activity.objects.count(),
        ),
        "contract": Door(
            post(
                reverse(
                    "finance:contract-part",
                    kwargs={"slug": FED, "pk": contract.pk, "part": "documents"},
                ),
                {"title": "Spec"},
            ),
            lambda: ContractDocument.objects.count(),
        ),
        "library": Door(
            post(f"/comms/federations/{FED}/library/new", {"folder": folder.pk, "title": "New"}),
            lambda: ResourceVersion.objects.count() - 1,
        ),
        "library version": Door(
            post(f"/comms/library/{paper.pk}/", {"note": "Corrected"}),
            lambda: ResourceVersion.objects.count() - 1,
        ),
        "bulletin": Door(
            post(f"/comms/bulletins/{bulletin.pk}/files", follow=True),
            lambda: BulletinFile.objects.count(),
        ),
        "event": Door(
            post(f"/comms/events/{event.pk}/materials", {"title": "Notes"}, follow=True),
            lambda: EventMaterial.objects.count(),
        ),
        "contacts": Door(
            post(f"/directory/federations/{FED}/contacts/import/"),
            lambda: Contact.objects.count(),
            csv_only=True,
        ),
        "availability": Door(
            post(f"/rota/{FED}/staff/import"), lambda: Availability.objects.count(), csv_only=True
        ),
    }


def kept(settings) -> set:
    """The files in the documents folder."""
    folder = settings.MEDIA_ROOT
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


@pytest.mark.parametrize("door", DOORS)
def test_a_zip_bomb_is_refused_at_every_door(doors, door, bomb, settings):
    """The probe's 600 KB workbook that unpacks to 600 MB: refused from its directory, never
    unpacked. Where only CSV is taken, its name and contents disagree first."""
    before, files = doors[door].stored(), kept(settings)
    page = doors[door].post("activity.xlsx", bomb)
    if doors[door].csv_only:
        assert "must be a CSV file" in page or "would unpack to 600 MB" in page
        page = doors[door].post("contacts.csv", bomb)
        assert "do not match its name" in page or "would unpack to 600 MB" in page
    else:
        assert "would unpack to 600 MB" in page and "not opened" in page
    assert doors[door].stored() == before
    assert kept(settings) == files


@pytest.mark.parametrize("door", DOORS)
def test_a_workbook_reaching_the_last_cell_is_refused_at_every_door(doors, door, settings):
    before, files = doors[door].stored(), kept(settings)
    page = doors[door].post("list.csv" if doors[door].csv_only else "list.xlsx", far_cell_bomb())
    assert "reaches cell XFD1048576" in page or (
        doors[door].csv_only and "do not match its name" in page
    )
    assert doors[door].stored() == before
    assert kept(settings) == files


@pytest.mark.parametrize("door", DOORS)
def test_an_oversize_file_is_refused_at_every_door(doors, door, settings):
    settings.GPFED_UPLOAD_LIMITS = {name: 64 * 1024 for name in settings.GPFED_UPLOAD_LIMITS}
    before, files = doors[door].stored(), kept(settings)
    page = doors[door].post("notes.csv", b"x,y\n" * 50_000)
    assert "larger than 64 KB, the most this page takes" in page
    assert doors[door].stored() == before
    assert kept(settings) == files


def test_each_door_has_its_own_limit(doors, settings):
    limits = dict.fromkeys(settings.GPFED_UPLOAD_LIMITS, 1024 * 1024)
    settings.GPFED_UPLOAD_LIMITS = {**limits, "bulletin": 64 * 1024}
    text = b"Hub opening times\n" * 5000  # 88 KB
    assert "larger than 64 KB" in doors["bulletin"].post("times.txt", text)
    assert doors["bulletin"].stored() == 0
    doors["library"].post("times.txt", text)
    assert doors["library"].stored() == 1


def test_the_request_keeps_no_more_of_a_file_than_the_largest_limit(settings):
    """A file of any size costs the server at most the largest limit and a byte: the rest is
    read past, not kept, and the file is then refused by its door."""
    settings.GPFED_UPLOAD_LIMITS = {name: 100_000 for name in settings.GPFED_UPLOAD_LIMITS}
    big = SimpleUploadedFile("big.txt", b"x" * 3_000_000)
    request = RequestFactory().post("/comms/library/1/", {"file": big, "note": "x"})
    kept = request.FILES["file"]
    assert kept.size == 100_001 and len(kept.read()) == 100_001
    assert request.POST["note"] == "x"


def test_the_command_line_refuses_a_zip_bomb_and_an_oversize_file(tmp_path, bomb, settings, capsys):
    from gpfed.cli import main

    path = tmp_path / "ePCN-2024-10.xlsx"
    path.write_bytes(bomb)
    assert main(["import", str(path)]) != 0
    assert "would unpack to 600 MB" in capsys.readouterr().err
    settings.GPFED_UPLOAD_LIMITS = {**settings.GPFED_UPLOAD_LIMITS, "import": 1000}
    big = tmp_path / "epraccur.csv"
    big.write_bytes(b"x" * 2000)
    assert main(["import", str(big)]) != 0
    assert "larger than 1 KB" in capsys.readouterr().err
    assert not ImportRun.objects.filter(status="succeeded").exists()
    assert not ImportRun.objects.exclude(upload=None).exists()
