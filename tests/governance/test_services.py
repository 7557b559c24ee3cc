"""The articles, the register of members, allocating shares by rule, circulating a resolution
and casting votes: each write audited, refusals that write nothing, a vote cast once."""

import contextlib
import threading
from datetime import date, timedelta

import pytest
from django.db import connections
from django.utils import timezone

from audit.models import AuditEvent
from governance import services
from governance.errors import GovernanceError
from governance.models import Articles, Member, Resolution, Vote
from governance.selectors import (
    allocation_out_of_date,
    register_of_members,
    resolution_result,
    share_allocation,
)
from registry.models import FederationMembership, ImportRun, ListSize
from tests.factories import ListSizeFactory, PracticeFactory

pytestmark = pytest.mark.django_db
PATIENCE = 1.5  # seconds a writer waits for the other to reach the worst moment


def today():
    return timezone.localdate()


def articles(gov, **kw):
    fields = {
        "voting_rule": "practice",
        "share_rule": "one_per_practice",
        "quorum_members": 2,
        "notice_days": 14,
        "written_lapse_days": 28,
        **kw,
    }
    return services.articles_set(federation=gov.federation, by=gov.admin, **fields)


def written(gov, kind="ordinary", circulated_on=None, **kw):
    return services.resolution_circulate(
        federation=gov.federation,
        title="Adopt new articles",
        text="That the articles in the form produced be adopted.",
        kind=kind,
        mode="written",
        circulated_on=circulated_on or today(),
        by=gov.secretary,
        **kw,
    )


def nominate(gov, code="A00001", user=None):
    return services.member_set(
        federation=gov.federation,
        practice=gov.practices[code],
        nominated_voter=user or gov.voter,
        shares=1,
        by=gov.admin,
    )


# --- articles ------------------------------------------------------------------------------


def test_articles_default_to_the_companies_act(gov):
    a = Articles(federation=gov.federation)
    assert (a.quorum_members, a.notice_days, a.written_lapse_days) == (2, 14, 28)
    assert a.voting_rule == "practice"


def test_articles_are_set_and_audited(gov):
    articles(gov, voting_rule="list-size", quorum_members=5)
    event = AuditEvent.objects.get(action="governance.articles.create")
    assert event.changes["voting_rule"] == [None, "list-size"]
    assert event.federation == gov.federation
    articles(gov, voting_rule="shares", quorum_members=5)
    event = AuditEvent.objects.get(action="governance.articles.update")
    assert event.changes == {"voting_rule": ["list-size", "shares"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"notice_days": 13}, "notice_days"),
        ({"quorum_members": 0}, "quorum_members"),
        ({"written_lapse_days": 0}, "written_lapse_days"),
        ({"voting_rule": "by-weight-of-partners"}, "voting_rule"),
    ],
)
def test_articles_refuse_what_the_act_does_not_allow(gov, change, field):
    with pytest.raises(GovernanceError) as refused:
        articles(gov, **change)
    assert refused.value.field == field
    assert not Articles.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="governance").exists()


# --- the register of members ---------------------------------------------------------------


def test_the_register_lists_members_with_their_dates_and_holdings(gov):
    nominate(gov)
    spell = FederationMembership.objects.get(
        federation=gov.federation, practice=gov.practices["A00003"]
    )
    spell.end_date = date(2026, 3, 31)
    spell.save()
    rows = {r.practice.code: r for r in register_of_members(gov.federation)}
    assert set(rows) == {"A00001", "A00002", "A00003", "A00004"}
    assert rows["A00001"].joined == date(2020, 4, 1) and rows["A00001"].left is None
    assert rows["A00001"].holding == "1 Ordinary £1"
    assert rows["A00001"].entry.nominated_voter == gov.voter
    assert rows["A00003"].left == date(2026, 3, 31) and not rows["A00003"].current
    assert rows["A00002"].holding == "Not recorded"
    # former members are listed after current ones
    assert list(rows)[-1] == "A00003"


def test_a_nominated_voter_must_belong_to_the_practice_or_federation(gov):
    with pytest.raises(GovernanceError, match="nominated voter must be one of") as refused:
        nominate(gov, code="A00002", user=gov.other_admin)
    assert refused.value.field == "nominated_voter"
    assert not Member.objects.exists()
    # the manager of practice 1 may not be practice 2's voter either
    with pytest.raises(GovernanceError):
        nominate(gov, code="A00002", user=gov.voter)
    # a federation officer may
    nominate(gov, code="A00002", user=gov.secretary)


def test_a_practice_that_was_never_a_member_has_no_entry(gov):
    with pytest.raises(GovernanceError, match="never been a member"):
        services.member_set(
            federation=gov.federation, practice=gov.outsider, shares=1, by=gov.admin
        )


def test_a_member_by_guarantee_holds_no_shares(gov):
    with pytest.raises(GovernanceError, match="holds no shares"):
        services.member_set(
            federation=gov.federation,
            practice=gov.practices["A00001"],
            liability="guarantee",
            shares=3,
            by=gov.admin,
        )


def test_the_register_export_is_audited(gov):
    nominate(gov)
    rows = services.register_export(gov.federation, by=gov.admin)
    assert rows[0][:3] == ["A00001", "Practice 1", "2020-04-01"]
    assert rows[0][-1] == "Vera Voter"
    assert AuditEvent.objects.get(action="governance.register.export").changes == {
        "rows": [None, 4]
    }


# --- shares by rule ------------------------------------------------------------------------


def test_one_share_per_practice_previewed_then_applied(gov):
    allocation = share_allocation(gov.federation)
    assert [(c.practice.code, c.current, c.proposed) for c in allocation.changes] == [
        ("A00001", 0, 1),
        ("A00002", 0, 1),
        ("A00003", 0, 1),
        ("A00004", 0, 1),
    ]
    assert not Member.objects.exists()  # the preview writes nothing
    assert "not yet been allocated" in allocation_out_of_date(gov.federation).message
    changed = services.shares_allocate(
        federation=gov.federation, fingerprint=allocation.fingerprint, by=gov.admin
    )
    assert changed == 4
    assert sorted(Member.objects.values_list("shares", flat=True)) == [1, 1, 1, 1]
    assert allocation_out_of_date(gov.federation) is None
    event = AuditEvent.objects.get(action="governance.shares.allocate")
    assert event.changes["changed"][1]["A00001"] == [0, 1]


def test_shares_by_list_size_and_out_of_date_after_an_import(gov):
    articles(gov, share_rule="per_thousand")
    allocation = share_allocation(gov.federation)
    assert {c.practice.code: c.proposed for c in allocation.lines} == {
        "A00001": 10,
        "A00002": 6,
        "A00003": 3,
        "A00004": 1,
    }
    services.shares_allocate(
        federation=gov.federation, fingerprint=allocation.fingerprint, by=gov.admin
    )
    assert Articles.objects.get().shares_basis == date(2026, 9, 1)
    # A new extract: practice 1 grows to 12,400 patients.
    ListSizeFactory(
        practice=gov.practices["A00001"], extract_date=date(2026, 10, 1), patients=12_400
    )
    ImportRun.objects.create(
        kind="gp-reg-pat-prac",
        file_name="gp-reg-pat-prac-all-oct-26.csv",
        sha256="0" * 64,
        status=ImportRun.Status.SUCCEEDED,
        finished_at=timezone.now() + timedelta(seconds=1),
    )
    stale = allocation_out_of_date(gov.federation)
    assert "out of date since list sizes were imported from gp-reg-pat-prac-all-oct-26.csv" in (
        stale.message
    )
    fresh = share_allocation(gov.federation)
    assert [(c.practice.code, c.current, c.proposed) for c in fresh.changes] == [("A00001", 10, 12)]
    # The old preview can no longer be applied.
    with pytest.raises(GovernanceError, match="changed since the preview"):
        services.shares_allocate(
            federation=gov.federation, fingerprint=allocation.fingerprint, by=gov.admin
        )
    assert Member.objects.get(practice=gov.practices["A00001"]).shares == 10
    services.shares_allocate(federation=gov.federation, fingerprint=fresh.fingerprint, by=gov.admin)
    assert Member.objects.get(practice=gov.practices["A00001"]).shares == 12
    assert allocation_out_of_date(gov.federation) is None


# --- resolutions ---------------------------------------------------------------------------


def test_a_written_resolution_fixes_its_members_and_weights_when_circulated(gov):
    articles(gov, voting_rule="list-size")
    resolution = written(gov, kind="special", circulated_on=date(2026, 10, 1))
    assert resolution.weighting == "list-size"
    assert resolution.lapses_on == date(2026, 10, 28)  # 28 days beginning with 1 October
    weights = dict(resolution.eligible_members.values_list("practice__code", "weight"))
    assert weights == {"A00001": 10_000, "A00002": 6_000, "A00003": 3_000, "A00004": 1_000}
    # A later extract or a change of rule does not move it.
    ListSizeFactory(practice=gov.practices["A00004"], extract_date=date(2026, 10, 2), patients=9)
    articles(gov, voting_rule="practice")
    resolution.refresh_from_db()
    assert resolution.weighting == "list-size"
    assert resolution.eligible_members.get(practice__code="A00004").weight == 1_000
    assert AuditEvent.objects.filter(action="governance.resolution.circulate").count() == 1


def test_a_meeting_needs_its_clear_days_notice(gov):
    with pytest.raises(GovernanceError, match="14 clear days") as refused:
        services.resolution_circulate(
            federation=gov.federation,
            title="Appoint auditors",
            text="That X be appointed.",
            kind="ordinary",
            mode="meeting",
            circulated_on=date(2026, 10, 1),
            meeting_on=date(2026, 10, 15),
            by=gov.admin,
        )
    assert refused.value.field == "meeting_on"
    assert not Resolution.objects.exists()
    ok = services.resolution_circulate(
        federation=gov.federation,
        title="Appoint auditors",
        text="That X be appointed.",
        kind="ordinary",
        mode="meeting",
        circulated_on=date(2026, 10, 1),
        meeting_on=date(2026, 10, 16),
        by=gov.admin,
    )
    assert ok.quorum_members == 2


def test_list_size_weighting_without_a_list_size_is_refused_and_writes_nothing(gov):
    articles(gov, voting_rule="list-size")
    ListSize.objects.filter(practice=gov.practices["A00002"]).delete()
    with pytest.raises(GovernanceError, match="A00002 \\(Practice 2\\)"):
        written(gov)
    assert not Resolution.objects.exists()


def test_a_vote_is_cast_once_and_a_second_is_refused(gov):
    nominate(gov)
    resolution = written(gov)
    vote = services.vote_cast(
        resolution=resolution, practice=gov.practices["A00001"], choice="for", by=gov.voter
    )
    assert (vote.cast_by, vote.on_paper, vote.cast_on) == (gov.voter, False, today())
    with pytest.raises(GovernanceError, match=r"already voted .* never changed"):
        services.vote_cast(
            resolution=resolution,
            practice=gov.practices["A00001"],
            choice="against",
            by=gov.voter,
        )
    assert list(Vote.objects.values_list("choice", flat=True)) == ["for"]
    assert AuditEvent.objects.filter(action="governance.vote.cast").count() == 1


def test_a_vote_is_never_changed_or_deleted(gov):
    nominate(gov)
    vote = services.vote_cast(
        resolution=written(gov), practice=gov.practices["A00001"], choice="for", by=gov.voter
    )
    vote.choice = "against"
    with pytest.raises(ValueError, match="never changed"):
        vote.save()
    with pytest.raises(ValueError, match="never deleted"):
        vote.delete()
    assert Vote.objects.get().choice == "for"


def test_only_the_nominated_voter_votes_for_a_practice(gov):
    nominate(gov)
    resolution = written(gov)
    for who, code in ((gov.staff, "A00002"), (gov.admin, "A00001"), (gov.voter, "A00002")):
        with pytest.raises(GovernanceError, match="nominated voter"):
            services.vote_cast(
                resolution=resolution, practice=gov.practices[code], choice="for", by=who
            )
    assert not Vote.objects.exists()


def test_a_paper_vote_is_recorded_by_the_secretary_and_audited(gov):
    resolution = written(gov, circulated_on=today() - timedelta(days=3))
    vote = services.vote_cast(
        resolution=resolution,
        practice=gov.practices["A00002"],
        choice="against",
        by=gov.secretary,
        on_paper=True,
        cast_on=today() - timedelta(days=1),
    )
    assert vote.on_paper and vote.cast_by == gov.secretary
    event = AuditEvent.objects.get(action="governance.vote.paper")
    assert event.actor == gov.secretary
    assert event.changes["choice"] == [None, "against"]
    with pytest.raises(GovernanceError, match="cannot come before"):
        services.vote_cast(
            resolution=resolution,
            practice=gov.practices["A00003"],
            choice="for",
            by=gov.secretary,
            on_paper=True,
            cast_on=today() - timedelta(days=5),
        )


def test_a_practice_that_joined_after_circulation_has_no_vote(gov):
    resolution = written(gov, circulated_on=date(2026, 5, 1))  # before A00004 joined
    assert resolution.eligible_members.count() == 3
    with pytest.raises(GovernanceError, match="not a member when the resolution was circulated"):
        services.vote_cast(
            resolution=resolution,
            practice=gov.practices["A00004"],
            choice="for",
            by=gov.admin,
            on_paper=True,
            cast_on=date(2026, 5, 2),
        )


def agree_on_paper(gov, resolution, received: dict) -> None:
    """The company secretary records each practice's agreement received on paper, on its day,
    in the order given."""
    for code, day in received.items():
        services.vote_cast(
            resolution=resolution,
            practice=gov.practices[code],
            choice="for",
            by=gov.secretary,
            on_paper=True,
            cast_on=day,
        )


def test_a_written_resolution_passes_as_soon_as_the_threshold_is_reached(gov):
    start = today() - timedelta(days=10)
    resolution = written(gov, circulated_on=start)
    agree_on_paper(
        gov,
        resolution,
        {
            "A00001": start + timedelta(days=2),
            "A00002": start + timedelta(days=4),
            "A00003": start + timedelta(days=6),
        },
    )
    result = resolution_result(resolution)
    # 3 of 4 voting rights: more than half reached with the third vote, on day 6.
    assert result.status == "passed"
    assert result.passed_on == start + timedelta(days=6)
    assert result.tally.not_voted == ["A00004"]


def test_a_written_resolution_not_agreed_in_its_period_lapses(gov):
    articles(gov, written_lapse_days=5)
    resolution = written(gov, circulated_on=today() - timedelta(days=10))
    assert resolution.lapses_on == today() - timedelta(days=6)
    services.vote_cast(
        resolution=resolution,
        practice=gov.practices["A00001"],
        choice="for",
        by=gov.secretary,
        on_paper=True,
        cast_on=today() - timedelta(days=8),
    )
    result = resolution_result(resolution)
    assert (result.status, result.passed_on) == ("lapsed", None)
    with pytest.raises(GovernanceError, match=r"Voting closed on .* lapsed"):
        services.vote_cast(
            resolution=resolution,
            practice=gov.practices["A00002"],
            choice="for",
            by=gov.secretary,
            on_paper=True,
            cast_on=today(),
        )
    # While open, the same resolution says so.
    assert resolution_result(resolution, day=resolution.lapses_on).status == "open"


def test_a_meeting_resolution_is_decided_after_the_meeting(gov):
    resolution = services.resolution_circulate(
        federation=gov.federation,
        title="Appoint auditors",
        text="That X be appointed.",
        kind="ordinary",
        mode="meeting",
        circulated_on=today() - timedelta(days=20),
        meeting_on=today(),
        by=gov.admin,
    )
    for code, choice in (("A00001", "for"), ("A00002", "against"), ("A00003", "for")):
        services.vote_cast(
            resolution=resolution,
            practice=gov.practices[code],
            choice=choice,
            by=gov.secretary,
            on_paper=True,
        )
    assert resolution_result(resolution).status == "open"
    result = resolution_result(resolution, day=today() + timedelta(days=1))
    assert (result.status, result.tally.for_weight, result.tally.base_weight) == ("passed", 2, 3)


# --- two votes at once ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_votes_for_one_practice_at_once_make_exactly_one(gov, monkeypatch):
    nominate(gov)
    resolution = written(gov)
    meeting = threading.Barrier(2, timeout=PATIENCE)
    met = threading.local()
    create = Vote.objects.create

    def create_after_meeting(**kwargs):
        if not getattr(met, "done", False):
            met.done = True
            # broken after PATIENCE: the other is waiting for the lock, not for us
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait()
        return create(**kwargs)

    monkeypatch.setattr(Vote.objects, "create", create_after_meeting)
    outcomes = [None, None]
    start = threading.Barrier(2)

    def vote(i, choice):
        try:
            start.wait()
            outcomes[i] = services.vote_cast(
                resolution=resolution,
                practice=gov.practices["A00001"],
                choice=choice,
                by=gov.voter,
            ).choice
        except GovernanceError as error:
            outcomes[i] = error.message
        except Exception as error:  # reported below, not lost in a thread
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(i, c)) for i, c in enumerate(["for", "against"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert Vote.objects.count() == 1
    cast = Vote.objects.get().choice
    assert cast in outcomes
    other = next(o for o in outcomes if o != cast)
    assert "already voted" in other
    assert AuditEvent.objects.filter(action="governance.vote.cast").count() == 1


def test_a_practice_with_a_new_name_keeps_its_place(gov):
    # the register reads names from the registry, so a renamed practice is renamed there
    practice = PracticeFactory(code="A00005", name="Zed Surgery")
    FederationMembership.objects.create(
        federation=gov.federation, practice=practice, start_date=date(2021, 1, 1)
    )
    assert register_of_members(gov.federation)[-1].practice.code == "A00005"


def test_a_nominated_voter_whose_role_has_ended_cannot_vote(gov):
    from accounts.models import RoleGrant

    nominate(gov)
    resolution = written(gov)
    RoleGrant.objects.filter(user=gov.voter).update(
        start_date=today() - timedelta(days=30), end_date=today() - timedelta(days=1)
    )
    with pytest.raises(GovernanceError, match="no longer have a role at Practice 1"):
        services.vote_cast(
            resolution=resolution, practice=gov.practices["A00001"], choice="for", by=gov.voter
        )
    assert not Vote.objects.exists()


def test_a_written_resolution_passes_on_the_day_of_the_deciding_vote_not_its_recording(gov):
    start = today() - timedelta(days=10)
    resolution = written(gov, circulated_on=start)
    # Recorded in one order, received in another: by the day received, the third agreement
    # (the one that takes it past half of the four voting rights) came on day 8.
    agree_on_paper(
        gov,
        resolution,
        {
            "A00001": start + timedelta(days=8),
            "A00002": start + timedelta(days=3),
            "A00003": start + timedelta(days=1),
        },
    )
    assert resolution_result(resolution).passed_on == start + timedelta(days=8)
