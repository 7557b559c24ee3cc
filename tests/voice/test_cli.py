"""``gpfed consultations``: the list of a federation's or network's consultations, and a
consultation's results as the results page's CSV (or JSON), each export audited as the page's
download is; another federation's people are told there is no such consultation."""

import csv
import io
import json
from datetime import timedelta

import pytest

from accounts.services import role_grant
from audit.models import AuditEvent
from comms.models import Bulletin
from comms.services import bulletin_save
from gpfed.cli import main
from registry.models import Federation, Network
from registry.selectors import today
from tests.factories import UserFactory
from tests.voice.conftest import answers, open_consultation
from voice import services
from voice.models import Consultation

pytestmark = pytest.mark.django_db


def answered(v, consultation):
    services.response_submit(
        consultation=consultation,
        organisation_key="practice-A00001",
        answers=answers(consultation, text='=HYPERLINK("http://x")'),
        by=v.manager,
    )
    return consultation


def a_draft(v):
    """A consultation not yet opened: its runners see it; nobody else does."""
    return services.consultation_create(
        federation=v.federation,
        title="A draft",
        purpose="Not yet",
        audience="practices_and_pcns",
        opens_on=today() + timedelta(days=3),
        closes_on=today() + timedelta(days=10),
        by=v.admin,
    )


def publish(v, consultation):
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_on=today() - timedelta(days=9), closes_on=today() - timedelta(days=1)
    )
    bulletin = bulletin_save(
        Bulletin(federation=v.federation, title="You said", body="We did"), by=None
    )
    services.outcome_publish(
        consultation=consultation, outcome="We heard", bulletin=bulletin, by=v.admin
    )


def test_the_results_are_the_csv_of_the_page_and_each_export_is_audited(v, opened, capsys):
    answered(v, opened)
    assert main(["consultations", "results", str(opened.pk)]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["Dimension", "Group", "Responses", "Question", "Answer", "Count"]
    assert ["All", "All responses", "1", "Do you support it?", "Yes", "1"] in rows
    # a free-text answer that a spreadsheet would run is written as text
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)
    argv = ["--by", v.admin.email, "consultations", "results", str(opened.pk)]
    assert main([*argv, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["consultation"] == opened.pk and out["responses"] == 1
    operator, admin = AuditEvent.objects.filter(action__startswith="voice.results.export").order_by(
        "pk"
    )
    assert (operator.action, operator.actor, operator.origin) == (
        "voice.results.export_csv",
        None,
        "command line",
    )
    assert (admin.action, admin.actor) == ("voice.results.export_json", v.admin)
    assert admin.federation == v.federation


def test_members_read_the_results_once_the_outcome_is_published(v, opened, capsys):
    answered(v, opened)
    # the manager who answered may open the consultation, but not yet its results; a member
    # of staff it did not ask may not even open it (as on the pages)
    argv = ["consultations", "results", str(opened.pk)]
    assert main(["--by", v.manager.email, *argv]) == 2
    assert "once its outcome is published" in capsys.readouterr().err
    assert main(["--by", v.staff.email, *argv]) == 2
    assert "there is no consultation" in capsys.readouterr().err
    publish(v, opened)
    assert main(["--by", v.manager.email, *argv]) == 0
    assert main(["--by", v.staff.email, *argv]) == 0
    exports = AuditEvent.objects.filter(action="voice.results.export_csv").order_by("pk")
    assert [e.actor for e in exports] == [v.manager, v.staff]


def test_another_federations_administrator_is_told_there_is_no_such_consultation(v, opened, capsys):
    publish(v, answered(v, opened))
    argv = ["--by", v.other_admin.email, "consultations", "results", str(opened.pk)]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == f"gpfed: there is no consultation {opened.pk}"
    assert main(["consultations", "results", "999999"]) == 2
    listing = ["--by", v.other_admin.email, "consultations", "list", "--federation", "voice-fed"]
    assert main(listing) == 2
    assert capsys.readouterr().err.strip().endswith("there is no federation voice-fed")
    assert not AuditEvent.objects.filter(action__startswith="voice.results.export").exists()


def test_the_list_shows_drafts_only_to_those_who_run_them(v, opened, capsys):
    a_draft(v)
    listing = ["consultations", "list", "--federation", "voice-fed", "--format", "json"]
    assert main(["--by", v.admin.email, *listing]) == 0
    titles = sorted(r["title"] for r in json.loads(capsys.readouterr().out))
    assert titles == ["A draft", "Shared hubs"]
    assert main(["--by", v.manager.email, *listing]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["title"], row["status"], row["responses"]) == ("Shared hubs", "Open", 0)
    assert main(["consultations", "list", "--federation", "voice-fed"]) == 0
    assert "Voice Federation: 2 consultations" in capsys.readouterr().out


def test_a_networks_consultations_are_listed_for_its_member_federations(v, capsys):
    open_consultation(v, network=True)
    argv = ["consultations", "list", "--network", "voice-net", "--format", "json"]
    assert main(["--by", v.other_admin.email, *argv]) == 0
    assert [r["title"] for r in json.loads(capsys.readouterr().out)] == ["Shared hubs"]


def test_what_the_pages_refuse_the_command_refuses_in_the_same_words(v, opened, capsys):
    """A network's administrator lists no member federation's consultations; a federation
    outside the network lists none of the network's; a draft's number guessed by a member of
    its federation, and a refused number, read exactly as a number that is no consultation."""
    draft = a_draft(v)
    outside = Network.objects.create(name="Elsewhere", slug="elsewhere-net")
    stranger = Federation.objects.create(name="Stranger Federation", slug="stranger-fed")
    stranger_admin = UserFactory(email="admin@stranger.example")
    role_grant(user=stranger_admin, role="federation_admin", organisation=stranger, by=None)

    def refused(argv):
        assert main(argv) == 2
        return capsys.readouterr().err.strip()

    fed = ["consultations", "list", "--federation", "voice-fed"]
    assert (
        refused(["--by", v.network_admin.email, *fed]) == "gpfed: there is no federation voice-fed"
    )
    net = ["consultations", "list", "--network", "voice-net"]
    assert refused(["--by", stranger_admin.email, *net]) == "gpfed: there is no network voice-net"
    assert main(["--by", v.network_admin.email, *net]) == 0
    capsys.readouterr()
    assert main(["consultations", "list", "--network", outside.slug]) == 0  # the operator
    capsys.readouterr()

    def results(who, pk):
        return refused(["--by", who.email, "consultations", "results", str(pk)])

    nowhere = results(v.other_admin, 999999)
    assert nowhere == "gpfed: there is no consultation 999999"
    assert results(v.other_admin, opened.pk) == nowhere.replace("999999", str(opened.pk))
    assert results(v.staff, draft.pk) == nowhere.replace("999999", str(draft.pk))
    assert results(v.manager, draft.pk) == nowhere.replace("999999", str(draft.pk))
    assert not AuditEvent.objects.filter(action__startswith="voice.results.export").exists()
