"""The contacts CSV goes out and comes back unchanged: the export puts an apostrophe before a
cell that starts like a spreadsheet formula (= + - @), so a spreadsheet shows it as text, and
the import takes that apostrophe off again, so '+44 116 496 0009 is read as the phone number
it was."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from audit.models import AuditEvent
from directory.models import Contact
from kernel.exports import FORMULA_STARTS, NUMBER, read_cell, safe_cell
from registry.models import Federation
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def _contacts(federation):
    return sorted(
        Contact.objects.filter(federation=federation).values_list(
            "practice_id", "pcn_id", "name", "role", "email", "phone", "in_network_directory"
        )
    )


def test_the_demo_federations_contacts_come_back_unchanged(client, demo):
    federation = Federation.objects.get(slug=FED)
    # numbers written the international way, and names that start like formulas
    Contact.objects.create(
        federation=federation, name="Ola Adeyemi", role="Locum lead", phone="+44 116 496 0009"
    )
    Contact.objects.create(
        federation=federation,
        name="@Sam Handle",
        role="-Out of hours lead",
        email="sam@elr.example",
    )
    Contact.objects.create(
        federation=federation, name="'=Not a formula", role="Estates", phone="(0116) 496 0010"
    )
    sign_in_verified(client, User.objects.get(email="comms@demo.gpfed.example"))
    exported = client.get(f"/directory/federations/{FED}/contacts.csv").content
    assert b"'+44 116 496 0009" in exported and b"'@Sam Handle" in exported
    assert b",'-Out of hours lead," in exported  # still neutralised for spreadsheets
    before = _contacts(federation)
    done = client.post(
        f"/directory/federations/{FED}/contacts/import/",
        {"file": SimpleUploadedFile("contacts.csv", exported)},
        follow=True,
    )
    assert b"Nothing was imported" not in done.content
    assert f"Contacts imported: 0 new, 0 changed, {len(before)} unchanged.".encode() in (
        done.content
    )
    assert _contacts(federation) == before
    assert not AuditEvent.objects.filter(action__startswith="directory.contact.").exists()


@given(st.text(max_size=20))
def test_a_cell_read_back_is_the_value_written(value):
    cell = safe_cell(value)
    # what a spreadsheet sees is never a formula (a plain negative number is a number)
    assert not cell.startswith(FORMULA_STARTS) or NUMBER.fullmatch(cell)
    assert read_cell(cell) == value
