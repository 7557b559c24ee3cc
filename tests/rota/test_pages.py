"""The rota's pages as a person uses them (issue 16): the plan's result updating as a whole when
the planner finishes, a clinical director's PCN listed once, bank holidays in week grids,
compliance in names, UK dates and hours and minutes, the JSON a plan can be checked from, and an
ARRS claim confirmed before it is submitted."""

import re
from datetime import date, datetime

import pytest

from accounts.models import User
from registry.models import AnnualPopulation
from rota import selectors, services
from rota.models import AccessPcn, AgreedHours, ArrsClaim, Availability, PlanRun
from rota.services import aware
from tests.conftest import sign_in_verified
from tests.rota.conftest import FED, MONDAY
from tests.rota.recount import counted_minutes, planned_minutes

pytestmark = pytest.mark.django_db
POLL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "rota-result"}


def signed_in(client, email):
    sign_in_verified(client, User.objects.get(email=email))
    return client


def planned(rota, start=MONDAY, weeks=1):
    run = services.plan_request(rota["federation"], start, weeks, by=None, seconds=5)
    return services.run_plan(run)


def test_the_result_polls_while_planning_and_arrives_whole_when_done(client, rota):
    signed_in(client, "operations@demo.gpfed.example")
    url = f"/rota/{FED}/?start=2026-12-07&weeks=1"
    run = services.plan_request(rota["federation"], MONDAY, 1, by=None, seconds=5)
    waiting = client.get(url, **POLL).content.decode()
    # the fragment alone, asking for itself again; the status line does not poll on its own
    assert "<html" not in waiting and waiting.count('id="rota-result"') == 1
    assert 'hx-trigger="every 2s"' in waiting and f'hx-get="{url.replace("&", "&amp;")}"' in waiting
    assert f"/runs/{run.pk}/" not in waiting
    assert "Being planned" in waiting and "Met" not in waiting
    services.run_plan(run)
    done = client.get(url, **POLL).content.decode()
    assert "hx-trigger" not in done  # finished: polling stops
    table = done[done.index('id="compliance"') :]
    assert "Met" in table and "15 hours 30 minutes" in table  # the new rota, not only a status
    assert "Cost by PCN" in done and "£1,395.00" in done
    page = client.get(url).content.decode()  # the page itself: whole, with the region in it
    assert "<html" in page and page.count('id="rota-result"') == 1


def test_a_clinical_directors_rota_lists_his_pcn_once(client, demo_books):
    director = User.objects.get(email="cd.crosscounties@demo.gpfed.example")
    assert [code for _s, _n, code, _p in selectors.arrs_pcns(director)] == ["U30213"]
    signed_in(client, director.email)
    page = client.get("/rota/").content.decode()
    assert page.count("CROSS COUNTIES PCN (U30213)") == 1


def _day(page: str, heading: str) -> str:
    return next(s for s in page.split("<section")[1:] if heading in s)


def test_week_grids_say_bank_holiday_where_the_planner_left_the_day_empty(client, rota):
    planned(rota, start=date(2026, 12, 21))
    signed_in(client, "operations@demo.gpfed.example")
    page = client.get(f"/rota/{FED}/sites/{rota['hub'].pk}/?week=2026-12-21").content.decode()
    christmas = _day(page, "Friday 25 Dec")
    assert "Bank holiday: Christmas Day" in christmas and "data-session" not in christmas
    assert "No Enhanced Access on a bank holiday" in christmas
    thursday = _day(page, "Thursday 24 Dec")
    assert "Bank holiday" not in thursday and "data-session" in thursday
    person = client.get(f"/rota/{FED}/staff/{rota['gp1'].pk}/?week=2026-12-28").content.decode()
    # Boxing Day falls on a Saturday in 2026: the Monday is its substitute, named so
    assert "Bank holiday: Boxing Day (substitute day)" in _day(person, "Monday 28 Dec")
    assert "Bank holiday" not in _day(person, "Tuesday 29 Dec")


def test_compliance_shows_pcn_names_uk_dates_and_hours_and_minutes(client, rota):
    planned(rota)
    signed_in(client, "operations@demo.gpfed.example")
    page = client.get(f"/rota/{FED}/?start=2026-12-07&weeks=2").content.decode()
    table = page[page.index('id="compliance"') : page.index("</table>", page.index("compliance"))]
    assert "CROSS COUNTIES PCN (U30213)" in table
    assert "7 December 2026" in table and "2026-12-07" not in table
    # 10,000 adjusted population: 600 minutes required; the GP covers 930 minutes of hours
    assert "10 hours" in table and "15 hours 30 minutes" in table
    assert not re.search(r">\s*(600|930)\s*<", table)
    assert "Nothing is planned yet for the week of 14 December 2026" in page


def test_a_shortfall_is_in_hours_and_minutes_with_the_pcn_named(client, rota):
    # 100,000 adjusted population needs 6,000 minutes; two rooms hold 1,860 in the week
    AnnualPopulation.objects.filter(pcn=rota["pcn"], measure="adjusted").update(value=100_000)
    planned(rota)
    signed_in(client, "operations@demo.gpfed.example")
    page = client.get(f"/rota/{FED}/?start=2026-12-07&weeks=1").content.decode()
    shortfalls = page[page.index('id="shortfalls"') :]
    assert "CROSS COUNTIES PCN (U30213), week of 7 December 2026" in shortfalls
    assert "69 hours short" in shortfalls
    assert "69 hours short in the week of 7 December 2026" in shortfalls
    assert "4140" not in shortfalls and "site(s)" not in shortfalls


def test_the_rota_json_lists_agreed_hours_and_its_minutes_recount_exactly(rota, capsys):
    access = rota["federation"].access_pcns.get()
    AgreedHours.objects.create(access_pcn=access, weekday=1, start="07:00", end="08:00")
    # a session in the agreed hours, by hand, kept when the rota is planned
    Availability.objects.create(staff=rota["gp1"], weekday=1, start="06:30", end="08:30")
    services.session_save(
        rota["federation"],
        None,
        staff=rota["gp1"],
        site=rota["hub"],
        pcn=rota["pcn"],
        start=aware(datetime(2026, 12, 8, 7)),
        end=aware(datetime(2026, 12, 8, 8)),
        by=None,
    )
    run = planned(rota)
    result = selectors.plan_json(rota["federation"], MONDAY, 1, run)
    [pcn] = result["pcns"]
    assert pcn["agreed_hours"] == [{"weekday": 1, "start": "07:00", "end": "08:00"}]
    assert result["bank_holidays"] == []
    assert counted_minutes(result) == planned_minutes(result) == {("U30213", "2026-12-07"): 990}
    christmas = selectors.plan_json(rota["federation"], date(2026, 12, 21), 2)
    assert christmas["bank_holidays"] == ["2026-12-25", "2026-12-28", "2027-01-01"]


def test_the_demo_plan_recounts_exactly_from_its_json(demo_books):
    run = PlanRun.objects.filter(status=PlanRun.Status.DONE).latest("finished_at")
    result = selectors.plan_json(run.federation, run.start, run.weeks, run)
    agreed = {p["code"]: p["agreed_hours"] for p in result["pcns"]}
    assert agreed["U09521"] == [
        {"weekday": 1, "start": "07:00", "end": "08:00"},
        {"weekday": 3, "start": "07:00", "end": "08:00"},
    ]
    assert result["sessions"] and counted_minutes(result) == planned_minutes(result)


def test_submitting_an_arrs_claim_confirms_first(client, rota):
    from tests.rota.test_arrs import weighted

    weighted(rota, 2_000)
    signed_in(client, "cd.crosscounties@demo.gpfed.example")
    claim = client.get(f"/rota/{FED}/arrs/U30213/?month=2026-10").content.decode()
    assert "/submit?month=2026-10" in claim and 'method="post"' not in claim.split("<main")[-1]
    confirm = client.get(f"/rota/{FED}/arrs/U30213/submit?month=2026-10")
    text = confirm.content.decode()
    assert confirm.status_code == 200 and not ArrsClaim.objects.exists()
    heading = re.search(r"<h1>(.*?)</h1>", text).group(1)
    assert heading == "Submit CROSS COUNTIES PCN's ARRS claim for October 2026?", heading
    assert "U30213" in text and "£6,185.48" in text
    assert "Clinical pharmacist" in text and "Care coordinator" in text
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', text).group(1)
    # a POST without the figures seen submits nothing
    bare = client.post(f"/rota/{FED}/arrs/U30213/submit?month=2026-10", {}, follow=True)
    assert "Nothing was submitted" in bare.content.decode()
    assert bare.redirect_chain[-1][0] == f"/rota/{FED}/arrs/U30213/submit?month=2026-10"
    assert not ArrsClaim.objects.exists()
    stale = client.post(
        f"/rota/{FED}/arrs/U30213/submit?month=2026-10", {"fingerprint": "0" * 64}, follow=True
    )
    assert "Nothing was submitted, because the figures changed" in stale.content.decode()
    assert not ArrsClaim.objects.exists()
    done = client.post(
        f"/rota/{FED}/arrs/U30213/submit?month=2026-10", {"fingerprint": fingerprint}, follow=True
    )
    assert "submitted and locked" in done.content.decode()
    assert ArrsClaim.objects.get().claimed_pence == 618_548
    again = client.get(f"/rota/{FED}/arrs/U30213/submit?month=2026-10", follow=True)
    assert "already submitted" in again.content.decode()


def test_a_month_with_no_posts_has_nothing_to_confirm(client, rota):
    signed_in(client, "cd.crosscounties@demo.gpfed.example")
    gone = client.get(f"/rota/{FED}/arrs/U30213/submit?month=2024-03", follow=True)
    assert "has no ARRS-funded posts in March 2024 to claim" in gone.content.decode()
    assert not ArrsClaim.objects.exists()


def test_only_those_who_may_submit_see_the_confirmation(client, rota):
    signed_in(client, "operations@demo.gpfed.example")
    assert client.get(f"/rota/{FED}/arrs/U30213/submit?month=2026-10").status_code == 404
    assert client.post(f"/rota/{FED}/arrs/U30213/submit?month=2026-10").status_code == 404
    assert not ArrsClaim.objects.exists()


def test_pcn_minutes_read_as_time_and_a_site_names_the_pcns_it_serves(demo_books, client):
    from accounts.models import User
    from rota.models import Site
    from tests.conftest import sign_in_verified

    sign_in_verified(client, User.objects.get(email="operations@demo.gpfed.example"))
    fed = "east-leicestershire-and-rutland-gp-federation"
    pcns = client.get(f"/rota/{fed}/pcns/").content.decode()
    assert "Appointment time a week" in pcns and " hours " in pcns
    site = Site.objects.filter(pcns__isnull=False).first()
    first = site.pcns.order_by("code").first()
    week = client.get(f"/rota/{fed}/sites/{site.pk}/").content.decode()
    assert f"{first.name} ({first.code})" in week


def test_a_clinical_director_opens_his_pcns_enhanced_access_and_no_other(client, rota):
    """The home page's "Your PCN" leads here: his PCN's weeks, what is met and what falls short,
    and its agreed hours; the federation's whole rota stays its rota viewers'."""
    planned(rota)
    access = AccessPcn.objects.get(federation=rota["federation"], pcn=rota["pcn"])
    AgreedHours.objects.create(access_pcn=access, weekday=1, start="07:00", end="08:00")
    director = signed_in(client, "cd.crosscounties@demo.gpfed.example")
    url = f"/rota/{FED}/pcns/U30213/access/?start=2026-12-07&weeks=2"
    page = director.get(url).content.decode()
    assert "CROSS COUNTIES PCN (U30213): Enhanced Access" in page
    weeks = page[page.index('id="compliance"') : page.index("</table>")]
    assert "7 December 2026" in weeks and "14 December 2026" in weeks
    assert "Met" in weeks and "Not planned" in weeks  # the week planned, and the one not
    assert "15 hours 30 minutes" in weeks
    assert "Tuesday 07:00 to 08:00" in page
    assert "The federation's whole rota" not in page  # he may not open it
    assert director.get(f"/rota/{FED}/").status_code == 404
    assert director.get(f"/rota/{FED}/pcns/U09521/access/").status_code == 404  # not his PCN
    operations = signed_in(type(client)(), "operations@demo.gpfed.example")
    assert "The federation's whole rota" in operations.get(url).content.decode()
