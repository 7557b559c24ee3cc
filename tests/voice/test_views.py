"""The members' voice pages for each person: who runs, who answers (and sees the answer
already given, and by whom), who reads the results once published; the CSV refuses formulas;
the PDF summary's text; another federation's people get 404 on everything, before and after
doing what they may."""

import csv
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from comms.models import Bulletin
from comms.services import bulletin_save
from registry.selectors import today
from tests.conftest import sign_in_verified
from tests.voice.conftest import answers, open_consultation
from voice import services
from voice.models import Consultation, Milestone, Response

pytestmark = pytest.mark.django_db


def urls(c, v):
    return [
        f"/voice/consultations/{c.pk}/",
        f"/voice/consultations/{c.pk}/results/",
        f"/voice/consultations/{c.pk}/results.csv",
        f"/voice/consultations/{c.pk}/outcome/",
        f"/voice/consultations/{c.pk}/remind/",
        f"/voice/consultations/{c.pk}/answer/practice-A00001/",
        f"/voice/federations/{v.federation.slug}/",
        f"/voice/federations/{v.federation.slug}/consultations/new/",
        f"/voice/federations/{v.federation.slug}/programme/",
        f"/voice/federations/{v.federation.slug}/programme/milestones/new/",
        f"/voice/federations/{v.federation.slug}/programme/meetings/new/",
        f"/voice/federations/{v.federation.slug}/programme/practices/A00001/",
        f"/api/v1/consultations/{c.pk}/results",
    ]


def close(c):
    Consultation.objects.filter(pk=c.pk).update(
        opens_on=today() - timedelta(days=9), closes_on=today() - timedelta(days=1)
    )
    c.refresh_from_db()


def publish(v, c):
    close(c)
    bulletin = bulletin_save(Bulletin(federation=v.federation, title="Hubs", body="Done"), by=None)
    services.outcome_publish(
        consultation=c, outcome="We will share two hubs.", bulletin=bulletin, by=v.admin
    )


def test_the_company_secretary_sets_up_and_opens_a_consultation(client, v):
    sign_in_verified(client, v.secretary)
    response = client.post(
        f"/voice/federations/{v.federation.slug}/consultations/new/",
        {
            "title": "Hubs",
            "purpose": "Why",
            "audience": "practices",
            "opens_on": today().strftime("%d/%m/%Y"),
            "closes_on": (today() + timedelta(days=5)).strftime("%d/%m/%Y"),
        },
    )
    c = Consultation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/voice/consultations/{c.pk}/"
    client.post(
        f"/voice/consultations/{c.pk}/questions/new/",
        {"text": "Yes or no?", "kind": "choice", "choices": "Yes\nNo", "required": "on"},
    )
    assert client.get(f"/voice/consultations/{c.pk}/open/").status_code == 200
    client.post(f"/voice/consultations/{c.pk}/open/")
    c.refresh_from_db()
    assert not c.is_draft and c.questions.get().choices == ["Yes", "No"]


def test_a_second_manager_sees_the_answer_already_given_and_who_gave_it(client, v, opened):
    sign_in_verified(client, v.manager)
    page = client.get(f"/voice/consultations/{opened.pk}/")
    assert b"Abbey Surgery" in page.content and b"Harbour" not in page.content
    form = {f"q{k}": val for k, val in answers(opened, scale=4).items()}
    response = client.post(f"/voice/consultations/{opened.pk}/answer/practice-A00001/", form)
    assert response.status_code == 302
    client.logout()
    sign_in_verified(client, v.manager2)
    page = client.get(f"/voice/consultations/{opened.pk}/answer/practice-A00001/")
    assert b"Already answered" in page.content
    assert b"Pat Manager" in page.content
    assert b'value="4" checked' in page.content
    assert b"Change the answer" in page.content


def test_a_clinical_director_answers_for_the_pcn_not_its_practices(client, v, opened):
    sign_in_verified(client, v.cd)
    assert client.get(f"/voice/consultations/{opened.pk}/answer/pcn-U00001/").status_code == 200
    assert client.get(f"/voice/consultations/{opened.pk}/answer/pcn-U00002/").status_code == 404
    assert (
        client.get(f"/voice/consultations/{opened.pk}/answer/practice-A00001/").status_code == 404
    )


def test_staff_see_nothing_until_the_outcome_is_published(client, v, opened):
    sign_in_verified(client, v.staff)
    assert client.get(f"/voice/consultations/{opened.pk}/").status_code == 404
    assert client.get(f"/voice/consultations/{opened.pk}/results/").status_code == 404
    publish(v, opened)
    page = client.get(f"/voice/consultations/{opened.pk}/")
    assert b"We will share two hubs." in page.content and b"Hubs</a>" in page.content
    assert client.get(f"/voice/consultations/{opened.pk}/results/").status_code == 200
    assert client.get(f"/voice/consultations/{opened.pk}/outcome/").status_code == 404


def test_the_csv_refuses_formulas(client, v, opened):
    services.response_submit(
        consultation=opened,
        organisation_key="practice-A00001",
        answers=answers(opened, text='=HYPERLINK("http://x")'),
        by=v.manager,
    )
    sign_in_verified(client, v.admin)
    response = client.get(f"/voice/consultations/{opened.pk}/results.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Dimension", "Group", "Responses", "Question", "Answer", "Count"]
    assert [
        "Free text",
        "Abbey Surgery",
        "",
        "Anything else?",
        '\'=HYPERLINK("http://x")',
        "",
    ] in rows
    assert ["All", "All responses", "1", "Do you support it?", "Yes", "1"] in rows


def test_the_pdf_summary_reads_as_the_results(client, v, opened):
    services.response_submit(
        consultation=opened,
        organisation_key="pcn-U00001",
        answers=answers(opened, scale=4, text="Parking at the hub"),
        by=v.cd,
    )
    sign_in_verified(client, v.admin)
    response = client.get(f"/voice/consultations/{opened.pk}/summary.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Shared hubs" in text
    assert "1 of 6 organisations answered" in text
    assert "Harbour PCN" in text and "Parking at the hub" in text
    assert "mean 4.0" in text


def test_the_programme_page_shows_the_chart_and_its_table(client, v):
    services.engagement_set(
        federation=v.federation,
        practice=v.practices["A00002"],
        agreement_signed_on=today() - timedelta(days=40),
        lead_name="Lee Lead",
        lead_nominated_on=today() - timedelta(days=40),
        by=v.admin,
    )
    Milestone.objects.create(
        federation=v.federation, title="Vision agreed", owner="Chair", due_on=today(), rag="red"
    )
    sign_in_verified(client, v.staff)
    page = client.get(f"/voice/federations/{v.federation.slug}/programme/").content.decode()
    assert '<svg class="gpfed-chart"' in page and 'role="img"' in page
    assert "Signed the agreement" in page and "Lee Lead" in page and "Vision agreed" in page
    assert "/programme/milestones/new/" not in page  # staff read it; they do not run it


@pytest.mark.parametrize("who", ["admin", "secretary", "manager", "cd", "staff", "network_admin"])
def test_pages_per_role(client, v, opened, who):
    """What each of the federation's people may open on a consultation that is open."""
    expected = {
        # a federation's runners answer for no practice: its manager does
        "admin": {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12},
        "secretary": {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12},
        "manager": {0, 5, 6, 8},
        "cd": {0, 6, 8},
        "staff": {6, 8},
        "network_admin": set(),
    }[who]
    sign_in_verified(client, getattr(v, who))
    got = {n for n, url in enumerate(urls(opened, v)) if client.get(url).status_code == 200}
    assert got == expected


def test_another_federations_administrator_gets_404_before_and_after_her_own_work(
    client, v, opened
):
    """She runs a consultation of her own federation, answers the network's for it, reads its
    results: none of it opens a page of Voice Federation's."""
    sign_in_verified(client, v.other_admin)
    assert all(client.get(url).status_code == 404 for url in urls(opened, v))
    network = open_consultation(v, network=True)
    own = client.post(
        f"/voice/federations/{v.other.slug}/consultations/new/",
        {
            "title": "Ours",
            "purpose": "P",
            "audience": "practices",
            "opens_on": today().strftime("%d/%m/%Y"),
            "closes_on": today().strftime("%d/%m/%Y"),
        },
    )
    assert own.status_code == 302
    form = {f"q{k}": val for k, val in answers(network).items()}
    assert (
        client.post(
            f"/voice/consultations/{network.pk}/answer/federation-other-fed/", form
        ).status_code
        == 302
    )
    assert (
        client.get(f"/voice/consultations/{network.pk}/answer/federation-voice-fed/").status_code
        == 404
    )
    assert client.get(f"/voice/consultations/{network.pk}/results/").status_code == 404
    publish(v, opened)
    assert all(client.get(url).status_code == 404 for url in urls(opened, v))
    assert Response.objects.filter(consultation=opened).count() == 0


def test_a_network_consults_its_member_federations(client, v):
    sign_in_verified(client, v.network_admin)
    made = client.post(
        f"/voice/networks/{v.network.slug}/consultations/new/",
        {
            "title": "The GP contract",
            "purpose": "Our national response",
            "opens_on": today().strftime("%d/%m/%Y"),
            "closes_on": (today() + timedelta(days=5)).strftime("%d/%m/%Y"),
        },
    )
    c = Consultation.objects.get()
    assert made.status_code == 302 and c.network == v.network and c.audience == "federations"
    client.post(
        f"/voice/consultations/{c.pk}/questions/new/",
        {"text": "Hold the ARRS budget?", "kind": "choice", "choices": "Yes\nNo", "required": "on"},
    )
    client.post(f"/voice/consultations/{c.pk}/open/")
    client.logout()
    sign_in_verified(client, v.staff)
    assert client.get(f"/voice/consultations/{c.pk}/").status_code == 404
    client.logout()
    sign_in_verified(client, v.secretary)
    page = client.get(f"/voice/consultations/{c.pk}/")
    assert b"Voice Federation" in page.content and b"Other Federation" not in page.content
    answer = client.post(
        f"/voice/consultations/{c.pk}/answer/federation-voice-fed/",
        {f"q{c.questions.get().pk}": "No"},
    )
    assert answer.status_code == 302
    assert Response.objects.get().respondent_federation == v.federation


def test_the_index_is_for_people_with_a_role(client, v):
    from tests.factories import UserFactory

    sign_in_verified(client, UserFactory())
    assert client.get("/voice/").status_code == 404
    client.logout()
    sign_in_verified(client, v.manager)
    page = client.get("/voice/")
    assert b"Voice Federation" in page.content and b"Voice Network" in page.content
    assert b"Other Federation" not in page.content
