"""The rota in the database: planning through the services, the CLI and the page; hand edits
refused with the rule named; locks kept; availability; exports."""

import json
from datetime import date, datetime, time

import pytest
from icalendar import Calendar

from audit.models import AuditEvent
from gpfed.cli import main
from registry.importers.base import ImportFileError
from rota import services
from rota.models import AvailabilityChange, PlanRun, RotaSession
from rota.services import RotaError, aware, local
from tests.rota.conftest import FED, MONDAY
from tests.rota_rules import check

pytestmark = pytest.mark.django_db


def planned(rota, weeks=1, seconds=10):
    run = services.plan_request(rota["federation"], MONDAY, weeks, by=None, seconds=seconds)
    return services.run_plan(run)


def checked(rota, weeks=1):
    """The sessions in the database, checked rule by rule by the tests' own checker."""
    loaded = services.load(rota["federation"], MONDAY, weeks, keep=False)
    found = services.assessment(rota["federation"], MONDAY, weeks)

    class Result:
        sessions = [services._booking(s) for s in found["sessions"]]
        shortfalls = found["shortfalls"]

    return check(loaded.problem, Result), found


def at(day, hour, minute=0):
    return aware(datetime.combine(day, time(hour, minute)))


def test_planning_writes_a_lawful_rota_and_records_the_run(rota):
    run = planned(rota)
    assert run.status == PlanRun.Status.DONE and run.solver_status == "OPTIMAL"
    broken, found = checked(rota)
    assert broken == []
    assert found["compliance"][0]["met"]
    # 10,000 adjusted population: 600 minutes, which the cheaper GP covering every standard
    # hour gives alone (15.5 hours at £90)
    assert run.cost_pence == 15_5 * 9_000 // 10 == found["cost_pence"]
    assert run.lower_bound_pence == run.cost_pence
    assert {s.staff for s in found["sessions"]} == {rota["gp1"]}
    assert AuditEvent.objects.filter(action="rota.plan.done").count() == 1


def test_locked_and_edited_sessions_are_kept_when_planning_again(rota):
    planned(rota)
    nurse_session = services.session_save(
        rota["federation"],
        None,
        staff=rota["nurse"],
        site=rota["hub"],
        pcn=rota["pcn"],
        start=at(date(2026, 12, 9), 18, 30),
        end=at(date(2026, 12, 9), 20),
        by=None,
    )
    gp_session = RotaSession.objects.filter(staff=rota["gp1"]).order_by("start").first()
    services.session_lock(gp_session, True, by=None)
    planned(rota)
    assert RotaSession.objects.filter(pk=nurse_session.pk).exists()
    assert RotaSession.objects.filter(pk=gp_session.pk, locked=True).exists()
    broken, found = checked(rota)
    assert broken == []
    # nothing doubled up: one GP session per standard block, plus the nurse's evening
    assert len([s for s in found["sessions"] if s.staff_id == rota["nurse"].pk]) == 1


def test_a_hand_edit_is_saved_audited_and_compliance_follows(rota):
    planned(rota)
    before = services.assessment(rota["federation"], MONDAY, 1)["compliance"][0]
    services.session_save(
        rota["federation"],
        None,
        staff=rota["nurse"],
        site=rota["hub"],
        pcn=rota["pcn"],
        start=at(date(2026, 12, 12), 9),
        end=at(date(2026, 12, 12), 13),
        by=None,
    )
    after = services.assessment(rota["federation"], MONDAY, 1)["compliance"][0]
    assert after["planned_minutes"] == before["planned_minutes"] + 240
    assert AuditEvent.objects.filter(action="rota.session.create").count() == 1


@pytest.mark.parametrize(
    ("who", "day", "start", "end", "rule", "words"),
    [
        ("nurse", date(2026, 12, 8), (17, 30), (18, 30), "hours", "outside Network Standard"),
        ("gp2", date(2026, 12, 13), (10, 0), (12, 0), "closed", "Sunday 13 December is a Sunday"),
        ("gp2", date(2026, 12, 25), (18, 30), (20, 0), "closed", "is a bank holiday in England"),
        ("nurse", date(2026, 12, 8), (18, 30), (20, 0), "gp", "no GP"),
        ("gp1", date(2026, 12, 8), (18, 30), (20, 0), "double", "already working"),
    ],
)
def test_a_hand_edit_that_breaks_a_rule_is_refused_with_the_rule_named(
    rota, who, day, start, end, rule, words
):
    RotaSession.objects.create(
        federation=rota["federation"],
        staff=rota["gp1"],
        site=rota["hub"],
        pcn=rota["pcn"],
        start=at(date(2026, 12, 8), 18, 30),
        end=at(date(2026, 12, 8), 20),
    )
    if rule == "gp":  # the GP is working elsewhere that evening: no GP at the hub
        RotaSession.objects.all().delete()
    count = RotaSession.objects.count()
    with pytest.raises(RotaError) as refused:
        services.session_save(
            rota["federation"],
            None,
            staff=rota[who],
            site=rota["hub"],
            pcn=rota["pcn"],
            start=at(day, *start),
            end=at(day, *end),
            by=None,
        )
    assert refused.value.rule == rule
    assert words in refused.value.message and refused.value.message.startswith("Refused (")
    assert RotaSession.objects.count() == count  # nothing written


def test_rooms_weekly_hours_and_availability_are_rules_too(rota):
    fed, hub, pcn = rota["federation"], rota["hub"], rota["pcn"]
    hub.rooms = 1
    hub.save()
    tuesday = date(2026, 12, 8)
    services.session_save(
        fed, None, staff=rota["gp1"], site=hub, pcn=pcn,
        start=at(tuesday, 18, 30), end=at(tuesday, 20), by=None,
    )  # fmt: skip
    with pytest.raises(RotaError) as refused:
        services.session_save(
            fed, None, staff=rota["nurse"], site=hub, pcn=pcn,
            start=at(tuesday, 18, 30), end=at(tuesday, 20), by=None,
        )  # fmt: skip
    assert refused.value.rule == "rooms"
    rota["gp2"].max_hours_per_week = 1
    rota["gp2"].save()
    with pytest.raises(RotaError) as refused:
        services.session_save(
            fed, None, staff=rota["gp2"], site=hub, pcn=pcn,
            start=at(date(2026, 12, 9), 18, 30), end=at(date(2026, 12, 9), 20), by=None,
        )  # fmt: skip
    assert refused.value.rule == "weekly"
    AvailabilityChange.objects.create(
        staff=rota["gp1"], date_from=date(2026, 12, 10), date_to=date(2026, 12, 10)
    )
    with pytest.raises(RotaError) as refused:
        services.session_save(
            fed, None, staff=rota["gp1"], site=hub, pcn=pcn,
            start=at(date(2026, 12, 10), 18, 30), end=at(date(2026, 12, 10), 20), by=None,
        )  # fmt: skip
    assert refused.value.rule == "availability"


def test_moving_the_only_gp_away_is_refused(rota):
    fed, hub, pcn = rota["federation"], rota["hub"], rota["pcn"]
    tuesday = date(2026, 12, 8)
    gp = services.session_save(
        fed, None, staff=rota["gp1"], site=hub, pcn=pcn,
        start=at(tuesday, 18, 30), end=at(tuesday, 20), by=None,
    )  # fmt: skip
    services.session_save(
        fed, None, staff=rota["nurse"], site=hub, pcn=pcn,
        start=at(tuesday, 18, 30), end=at(tuesday, 20), by=None,
    )  # fmt: skip
    with pytest.raises(RotaError) as refused:
        services.session_save(
            fed, gp, staff=rota["gp1"], site=hub, pcn=pcn,
            start=at(date(2026, 12, 9), 18, 30), end=at(date(2026, 12, 9), 20), by=None,
        )  # fmt: skip
    assert refused.value.rule == "gp"
    gp.refresh_from_db()
    assert local(gp.start) == datetime(2026, 12, 8, 18, 30)


def test_leave_and_one_off_windows_shape_availability(rota):
    gp = rota["gp1"]
    AvailabilityChange.objects.create(
        staff=gp, date_from=date(2026, 12, 8), date_to=date(2026, 12, 9), reason="Leave"
    )
    AvailabilityChange.objects.create(
        staff=gp,
        date_from=date(2026, 12, 13),
        date_to=date(2026, 12, 13),
        start=time(9),
        end=time(12),
        available=True,
    )
    windows = services.availability_windows(gp, [date(2026, 12, d) for d in range(7, 14)])
    days = {a.date() for a, _b in windows}
    assert date(2026, 12, 8) not in days and date(2026, 12, 9) not in days
    assert (datetime(2026, 12, 13, 9), datetime(2026, 12, 13, 12)) in windows


def test_availability_import_checks_the_whole_file_first(rota):
    fed = rota["federation"]
    before = rota["nurse"].availability.count()
    bad = (
        b"staff,weekday,start,end\n"
        b"nina.nurse@example.nhs.uk,Tuesday,17:00,21:00\n"
        b"nobody@example.nhs.uk,Tuesday,17:00,21:00\n"
        b"Nina Nurse,Funday,17:00,21:00\n"
        b"Nina Nurse,Friday,21:00,17:00\n"
    )
    with pytest.raises(ImportFileError) as refused:
        services.availability_import(fed, bad, by=None)
    where = [(p.row, p.column) for p in refused.value.problems]
    assert where == [(3, "staff"), (4, "weekday"), (5, "end")]
    assert rota["nurse"].availability.count() == before
    with pytest.raises(ImportFileError):
        services.availability_import(
            fed, b"staff,weekday,start,end\n943 476 5919,Monday,17:00,21:00\n", by=None
        )
    done = services.availability_import(
        fed, b"staff,weekday,start,end\nNina Nurse,Tuesday,17:00,21:00\n", by=None
    )
    assert done == {"windows": 1, "staff": 1}
    assert [str(w) for w in rota["nurse"].availability.all()] == ["Tuesday 17:00-21:00"]


def test_cli_plans_and_prints_the_json_the_issue_names(rota, capsys):
    code = main(
        ["rota", "plan", FED, "--start", "2026-12-07", "--weeks", "1", "--seconds", "5",
         "--format", "json"]
    )  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("pcns", "sites", "staff", "sessions", "compliance", "cost_pence",
                "lower_bound_pence", "status", "shortfalls"):  # fmt: skip
        assert key in out
    assert out["pcns"][0] == {
        "code": "U30213",
        "name": rota["pcn"].name,
        "adjusted_population": 10000.0,
        "population_is_estimate": False,
        "required_minutes_per_week": 600,
        "agreed_hours": [],
    }
    assert out["bank_holidays"] == []
    assert out["status"] == "OPTIMAL" and out["shortfalls"] == []
    first = out["sessions"][0]
    assert first["start"] == "2026-12-07T18:30:00" and first["role"] == "GP"
    assert {"staff", "site", "pcn", "start", "end", "role"} <= set(first)
    assert out["compliance"][0]["met"] is True
    assert main(["rota", "plan", FED, "--start", "2026-12-08"]) == 2
    assert "not a Monday" in capsys.readouterr().err
    assert main(["rota", "plan", "no-such-federation", "--start", "2026-12-07"]) == 2


def test_plan_page_queues_work_for_the_worker_and_shows_compliance(
    client, rota, django_capture_on_commit_callbacks, settings
):
    from accounts.models import User
    from tests.conftest import sign_in_verified

    settings.GPFED_ROTA_SECONDS = 5
    sign_in_verified(client, User.objects.get(email="operations@demo.gpfed.example"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            f"/rota/{FED}/plan", {"start": "2026-12-07", "weeks": "1"}, follow=True
        )
    assert len(callbacks) == 1  # enqueued after commit, run by the (immediate) worker
    assert response.status_code == 200
    run = PlanRun.objects.get()
    assert run.status == PlanRun.Status.DONE
    page = client.get(f"/rota/{FED}/?start=2026-12-07&weeks=1").content.decode()
    assert "U30213" in page and "Met" in page
    refused = client.post(f"/rota/{FED}/plan", {"start": "2026-12-08", "weeks": "1"}, follow=True)
    assert "is not a Monday" in refused.content.decode()
    assert PlanRun.objects.count() == 1
    later = client.get(f"/rota/{FED}/?start=2026-12-14&weeks=1").content.decode()
    assert "Not planned" in later and "Nothing is planned yet for the week of" in later
    assert "Not met" not in later


def test_calendar_and_csv_exports(client, rota):
    from accounts.models import User
    from tests.conftest import sign_in_verified

    planned(rota)
    sign_in_verified(client, User.objects.get(email="operations@demo.gpfed.example"))
    response = client.get(f"/rota/{FED}/staff/{rota['gp1'].pk}/rota.ics")
    assert response["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    assert len(events) == RotaSession.objects.filter(staff=rota["gp1"]).count() > 0
    first = min(e.decoded("dtstart") for e in events)
    assert first.replace(tzinfo=None) == datetime(2026, 12, 7, 18, 30)
    assert str(first.tzinfo) == "Europe/London"
    csv_text = client.get(f"/rota/{FED}/sessions.csv?start=2026-12-07&weeks=1").content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("Date,Start,End,Site,PCN,Person,Role,Minutes,Cost")
    assert lines[1].startswith(
        "2026-12-07,18:30,20:00,Test hub,U30213,Gina Practitioner,GP,90,135.00"
    )
    assert AuditEvent.objects.filter(action="rota.export.csv").exists()


def test_moving_a_session_from_the_page_names_the_rule_it_breaks(client, rota):
    from accounts.models import User
    from tests.conftest import sign_in_verified

    planned(rota)
    sign_in_verified(client, User.objects.get(email="operations@demo.gpfed.example"))
    session = RotaSession.objects.filter(staff=rota["gp1"]).order_by("start").first()
    response = client.post(
        f"/rota/{FED}/sessions/{session.pk}/edit",
        {
            "staff": rota["gp1"].pk,
            "site": rota["hub"].pk,
            "pcn": rota["pcn"].pk,
            "day": "2026-12-13",
            "start": "18:30",
            "end": "20:00",
        },
    )
    assert response.status_code == 200
    assert "no Sunday or bank-holiday sessions" in response.content.decode()
    session.refresh_from_db()
    assert local(session.start) == datetime(2026, 12, 7, 18, 30)


def test_the_api_gives_the_rota_and_its_compliance(client, rota):
    from accounts.models import User
    from tests.conftest import sign_in_verified

    planned(rota)
    sign_in_verified(client, User.objects.get(email="operations@demo.gpfed.example"))
    body = client.get(f"/api/v1/federations/{FED}/rota?start=2026-12-07&weeks=1").json()
    assert body["status"] == "OPTIMAL" and body["gap"] == 0
    assert body["compliance"][0]["pcn"] == "U30213" and body["compliance"][0]["met"]
    assert body["sessions"][0]["start"] == "2026-12-07T18:30:00"
    assert client.get(f"/api/v1/federations/{FED}/rota?start=2026-12-08").status_code == 404
    claim = client.get(f"/api/v1/federations/{FED}/arrs/U30213/2026-10").json()
    assert claim["pcn"] == "U30213" and len(claim["lines"]) == 2


def test_site_and_staff_forms_round_trip_and_are_audited(client, rota):
    from accounts.models import User
    from tests.conftest import sign_in_verified

    sign_in_verified(client, User.objects.get(email="operations@demo.gpfed.example"))
    hub = rota["hub"]
    form = client.get(f"/rota/{FED}/sites/{hub.pk}/edit").content.decode()
    assert 'value="07:00"' in form and 'value="21:00"' in form  # times a field reads back
    response = client.post(
        f"/rota/{FED}/sites/{hub.pk}/edit",
        {
            "name": "Test hub",
            "address": "1 High Street",
            "postcode": "LE8 0AA",
            "pcns": [rota["pcn"].pk],
            "rooms": "3",
            "opens": "07:00",
            "closes": "21:00",
            "open_weekdays": "on",
            "open_saturdays": "on",
        },
    )
    assert response.status_code == 302
    hub.refresh_from_db()
    assert hub.rooms == 3
    event = AuditEvent.objects.get(action="rota.site.update")
    assert event.changes["rooms"] == [2, 3]
    refused = client.post(
        f"/rota/{FED}/staff/{rota['gp1'].pk}/availability",
        {"weekday": "1", "start": "21:00", "end": "17:00"},
    )
    assert "must end after it starts" in refused.content.decode()
    added = client.post(
        f"/rota/{FED}/staff/{rota['gp1'].pk}/changes",
        {"date_from": "2026-12-21", "date_to": "2026-12-24", "reason": "Leave"},
    )
    assert added.status_code == 302
    assert AuditEvent.objects.filter(action="rota.availability.change").exists()


def test_a_person_enters_their_own_availability_and_no_one_elses(client, rota):
    from accounts.models import User
    from tests.conftest import sign_in_verified

    me = User.objects.get(email="staff.c82001@demo.gpfed.example")
    rota["nurse"].user = me
    rota["nurse"].save()
    sign_in_verified(client, me)
    assert "Your sessions and availability" in client.get("/rota/").content.decode()
    assert client.get(f"/rota/{FED}/staff/{rota['nurse'].pk}/").status_code == 200
    done = client.post(
        f"/rota/{FED}/staff/{rota['nurse'].pk}/availability",
        {"weekday": "5", "start": "09:00", "end": "13:00"},
    )
    assert done.status_code == 302
    assert rota["nurse"].availability.filter(weekday=5, start=time(9)).exists()
    assert client.get(f"/rota/{FED}/staff/{rota['gp1'].pk}/").status_code == 404
    other = client.post(
        f"/rota/{FED}/staff/{rota['gp1'].pk}/availability",
        {"weekday": "5", "start": "09:00", "end": "13:00"},
    )
    assert other.status_code == 404
    assert client.get(f"/rota/{FED}/").status_code == 404  # not the federation's rota
