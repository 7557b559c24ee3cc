"""The governance pages: the register and its CSV, the articles form, the share allocation
preview and its confirm page, circulating a resolution, the vote with its confirm step (a
second vote refused), the paper vote; who may open each."""

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from governance import services
from governance.models import Articles, Member, Resolution, Vote
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def written(gov, **kw):
    return services.resolution_circulate(
        federation=gov.federation,
        title="Change the articles",
        text="That the articles be changed.",
        kind="special",
        mode="written",
        circulated_on=today() - timedelta(days=1),
        by=gov.admin,
        **kw,
    )


def nominate(gov):
    return services.member_set(
        federation=gov.federation,
        practice=gov.practices["A00001"],
        nominated_voter=gov.voter,
        shares=1,
        by=gov.admin,
    )


def test_the_register_page_and_its_audited_csv(client, gov):
    nominate(gov)
    sign_in_verified(client, gov.staff)  # a member practice's staff see the register
    page = client.get("/governance/gov-fed/members/")
    assert page.status_code == 200
    assert b"Practice 1 (A00001)" in page.content and b"Vera Voter" in page.content
    assert b"Change" not in page.content  # only those who run governance change entries
    csv = client.get("/governance/gov-fed/members.csv")
    assert csv.status_code == 200
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("ODS code,practice,joined")
    assert lines[1].startswith("A00001,Practice 1,2020-04-01,,Shares,Ordinary £1,1")
    event = AuditEvent.objects.get(action="governance.register.export")
    assert event.actor == gov.staff


def test_the_articles_form_saves_and_refuses_short_notice(client, gov):
    sign_in_verified(client, gov.secretary)
    fields = {
        "voting_rule": "list-size",
        "share_rule": "per_thousand",
        "quorum_members": "3",
        "notice_days": "10",
        "written_lapse_days": "28",
    }
    refused = client.post("/governance/gov-fed/articles/", fields)
    assert refused.status_code == 200
    assert b"14 clear days" in refused.content
    assert not Articles.objects.exists()
    saved = client.post("/governance/gov-fed/articles/", {**fields, "notice_days": "21"})
    assert saved.status_code == 302
    assert Articles.objects.get().voting_rule == "list-size"


def test_a_register_entry_is_changed_by_the_administrator(client, gov):
    sign_in_verified(client, gov.admin)
    page = client.get("/governance/gov-fed/members/A00001/")
    assert page.status_code == 200
    assert b"Vera Voter" in page.content  # offered as the nominated voter
    assert b"admin@other.example" not in page.content
    done = client.post(
        "/governance/gov-fed/members/A00001/",
        {"nominated_voter": gov.voter.pk, "liability": "shares", "share_class": "A", "shares": 7},
    )
    assert done.status_code == 302
    member = Member.objects.get()
    assert (member.nominated_voter, member.shares, member.share_class) == (gov.voter, 7, "A")
    assert client.get("/governance/gov-fed/members/B00009/").status_code == 404


def test_shares_are_previewed_then_applied_from_a_confirm_page(client, gov):
    sign_in_verified(client, gov.admin)
    preview = client.get("/governance/gov-fed/shares/")
    assert b"4 members' shares change" in preview.content
    assert b"not yet been allocated" in preview.content
    assert not Member.objects.exists()
    confirm = client.get("/governance/gov-fed/shares/apply/")
    assert confirm.status_code == 200
    fingerprint = confirm.context["allocation"].fingerprint
    assert fingerprint.encode() in confirm.content
    stale = client.post("/governance/gov-fed/shares/apply/", {"fingerprint": "0" * 16})
    assert stale.status_code == 302
    assert not Member.objects.exists()
    done = client.post(
        "/governance/gov-fed/shares/apply/", {"fingerprint": fingerprint}, follow=True
    )
    assert "4 members' holdings changed" in html.unescape(done.content.decode())
    assert Member.objects.filter(shares=1).count() == 4
    assert b"Every member holds the shares the rule gives it" in done.content


def test_a_resolution_is_circulated_from_the_form(client, gov):
    sign_in_verified(client, gov.secretary)
    response = client.post(
        "/governance/gov-fed/resolutions/new/",
        {
            "title": "Appoint auditors",
            "text": "That X be appointed.",
            "kind": "ordinary",
            "mode": "meeting",
            "circulated_on": today().isoformat(),
            "meeting_on": (today() + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert b"14 clear days" in response.content
    assert not Resolution.objects.exists()
    response = client.post(
        "/governance/gov-fed/resolutions/new/",
        {
            "title": "Appoint auditors",
            "text": "That X be appointed.",
            "kind": "ordinary",
            "mode": "written",
            "circulated_on": today().isoformat(),
        },
    )
    resolution = Resolution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/governance/resolutions/{resolution.pk}/"
    assert resolution.eligible_members.count() == 4


def test_the_nominated_voter_votes_after_confirming_and_cannot_vote_twice(client, gov):
    nominate(gov)
    resolution = written(gov)
    sign_in_verified(client, gov.voter)
    url = f"/governance/resolutions/{resolution.pk}/vote/"
    page = client.get(f"/governance/resolutions/{resolution.pk}/")
    assert url.encode() in page.content  # the Vote button
    form = client.get(url)
    assert form.status_code == 200
    practice = str(gov.practices["A00001"].pk)
    confirm = client.post(url, {"practice": practice, "choice": "for"})
    assert b"Vote for on behalf of Practice 1?" in confirm.content
    assert not Vote.objects.exists()  # nothing until confirmed
    cast = client.post(url, {"practice": practice, "choice": "for", "confirm": "yes"})
    assert cast.status_code == 302
    assert Vote.objects.get().choice == "for"
    again = client.post(url, {"practice": practice, "choice": "against", "confirm": "yes"})
    assert again.status_code == 400
    assert b"already voted on this resolution (for" in again.content
    assert list(Vote.objects.values_list("choice", flat=True)) == ["for"]
    page = client.get(f"/governance/resolutions/{resolution.pk}/")
    assert url.encode() not in page.content  # no Vote button once voted


def test_someone_who_is_not_a_nominated_voter_has_no_vote_page(client, gov):
    resolution = written(gov)
    sign_in_verified(client, gov.staff)
    assert client.get(f"/governance/resolutions/{resolution.pk}/").status_code == 200
    assert client.get(f"/governance/resolutions/{resolution.pk}/vote/").status_code == 404


def test_members_see_who_voted_how(client, gov):
    resolution = written(gov)
    services.vote_cast(
        resolution=resolution,
        practice=gov.practices["A00002"],
        choice="against",
        by=gov.secretary,
        on_paper=True,
    )
    sign_in_verified(client, gov.staff)
    page = client.get(f"/governance/resolutions/{resolution.pk}/").content.decode()
    assert "Practice 2 (A00002)" in page and "Against (on paper)" in page
    assert "Not voted (3)" in page


def test_a_paper_vote_is_recorded_from_the_form(client, gov):
    resolution = written(gov)
    sign_in_verified(client, gov.secretary)
    url = f"/governance/resolutions/{resolution.pk}/paper/"
    response = client.post(
        url,
        {
            "practice": str(gov.practices["A00003"].pk),
            "choice": "abstain",
            "cast_on": (today() - timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert b"cannot come before" in response.content
    response = client.post(
        url,
        {
            "practice": str(gov.practices["A00003"].pk),
            "choice": "abstain",
            "cast_on": today().isoformat(),
        },
    )
    assert response.status_code == 302
    vote = Vote.objects.get()
    assert (vote.on_paper, vote.cast_by, vote.choice) == (True, gov.secretary, "abstain")


@pytest.mark.parametrize("who", ["staff", "voter"])
def test_members_cannot_run_governance(client, gov, who):
    resolution = written(gov)
    sign_in_verified(client, getattr(gov, who))
    for url in (
        "/governance/gov-fed/articles/",
        "/governance/gov-fed/shares/",
        "/governance/gov-fed/shares/apply/",
        "/governance/gov-fed/resolutions/new/",
        "/governance/gov-fed/members/A00001/",
        f"/governance/resolutions/{resolution.pk}/paper/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/governance/gov-fed/").status_code == 200


def test_the_public_sees_nothing(client, gov):
    resolution = written(gov)
    for url in (
        "/governance/",
        "/governance/gov-fed/members/",
        f"/governance/resolutions/{resolution.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/sign-in" in response["Location"], url


def test_the_header_leads_to_governance_for_those_who_may_open_it(client, gov):
    from tests.factories import UserFactory

    link = b'href="/governance/"'
    for person in (gov.admin, gov.secretary, gov.staff):
        sign_in_verified(client, person)
        assert link in client.get("/accounts/account/").content, person.email
    sign_in_verified(client, UserFactory(email="nobody@gov.example"))  # no role anywhere
    assert link not in client.get("/accounts/account/").content


def test_on_governance_pages_the_header_marks_governance_not_home(client, gov):
    sign_in_verified(client, gov.admin)
    page = client.get("/governance/gov-fed/").content.decode()
    current = re.findall(r'href="([^"]+)" aria-current="page"', page)
    assert current == ["/governance/"]
