"""Another federation's administrator, after doing what she may in her own federation (its
articles, its register, a resolution put to its members and her own practice's vote), gets
404 on every governance address of this one, whatever she sends, and changes nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from governance import services
from governance.models import Articles, Member, Resolution, Vote
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
MEMBERS_ADDRESSES = 11


def test_another_federations_administrator_gets_404_on_every_governance_address(client, gov):
    today = timezone.localdate()
    services.member_set(
        federation=gov.federation,
        practice=gov.practices["A00001"],
        nominated_voter=gov.voter,
        shares=1,
        by=gov.admin,
    )
    theirs = services.resolution_circulate(
        federation=gov.federation,
        title="Ours",
        text="That we do it.",
        kind="ordinary",
        mode="written",
        circulated_on=today,
        by=gov.admin,
    )
    sign_in_verified(client, gov.other_admin)
    # First, what she may do in her own federation, through the pages.
    assert (
        client.post(
            "/governance/other-fed/articles/",
            {
                "voting_rule": "practice",
                "share_rule": "one_per_practice",
                "quorum_members": "2",
                "notice_days": "14",
                "written_lapse_days": "28",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/governance/other-fed/members/B00009/",
            {"nominated_voter": gov.other_admin.pk, "liability": "shares", "shares": "1"},
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/governance/other-fed/resolutions/new/",
            {
                "title": "Theirs",
                "text": "That they do it.",
                "kind": "ordinary",
                "mode": "written",
                "circulated_on": today.isoformat(),
            },
        ).status_code
        == 302
    )
    own = Resolution.objects.get(federation=gov.other)
    vote = reverse("governance:vote", args=[own.pk])
    outsider = str(gov.outsider.pk)
    assert (
        client.post(vote, {"practice": outsider, "choice": "for", "confirm": "yes"}).status_code
        == 302
    )
    assert client.get("/governance/").status_code == 302  # straight to her own federation

    before = (
        AuditEvent.objects.filter(federation=gov.federation).count(),
        Vote.objects.filter(resolution=theirs).count(),
        Member.objects.filter(federation=gov.federation).count(),
        Articles.objects.filter(federation=gov.federation).count(),
        Resolution.objects.filter(federation=gov.federation).count(),
    )
    slug, pk = "gov-fed", theirs.pk
    addresses = [
        reverse("governance:home", args=[slug]),
        reverse("governance:articles", args=[slug]),
        reverse("governance:register", args=[slug]),
        reverse("governance:register_csv", args=[slug]),
        reverse("governance:member", args=[slug, "A00001"]),
        reverse("governance:shares", args=[slug]),
        reverse("governance:shares_apply", args=[slug]),
        reverse("governance:resolution_new", args=[slug]),
        reverse("governance:resolution", args=[pk]),
        reverse("governance:vote", args=[pk]),
        reverse("governance:paper_vote", args=[pk]),
    ]
    posts = {
        "voting_rule": "list-size",
        "share_rule": "per_thousand",
        "quorum_members": "1",
        "notice_days": "14",
        "written_lapse_days": "1",
        "nominated_voter": str(gov.other_admin.pk),
        "liability": "shares",
        "shares": "99",
        "title": "Hostile",
        "text": "That we are theirs.",
        "kind": "ordinary",
        "mode": "written",
        "circulated_on": today.isoformat(),
        "practice": outsider,
        "choice": "against",
        "confirm": "yes",
        "cast_on": today.isoformat(),
        "fingerprint": "x",
    }
    # Every governance address that names a federation or a resolution, this federation's:
    # (the board's and the register of interests' are in test_board_tenancy.py, which checks
    # the two lists together cover every governance address but the index)
    assert len(addresses) == MEMBERS_ADDRESSES
    for url in addresses:
        assert client.get(url).status_code == 404, url
        assert client.post(url, posts).status_code in (404, 405), url
    # A practice of hers, or one of theirs, sent to their resolution's vote: still 404.
    for practice in (outsider, str(gov.practices["A00001"].pk)):
        response = client.post(
            reverse("governance:vote", args=[pk]),
            {"practice": practice, "choice": "for", "confirm": "yes"},
        )
        assert response.status_code == 404
    after = (
        AuditEvent.objects.filter(federation=gov.federation).count(),
        Vote.objects.filter(resolution=theirs).count(),
        Member.objects.filter(federation=gov.federation).count(),
        Articles.objects.filter(federation=gov.federation).count(),
        Resolution.objects.filter(federation=gov.federation).count(),
    )
    assert after == before
