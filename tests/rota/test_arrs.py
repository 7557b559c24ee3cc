"""ARRS claims, worked by hand: caps, pro rata for part months and part-time posts, the pot and
what is left of it, warnings, and submitted claims locked and audited."""

import csv
import io
import json
from datetime import date

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from gpfed.cli import main
from kernel.needs import date_text
from registry.models import AnnualPopulation
from rota import arrs
from rota.models import ArrsClaim
from tests.rota.conftest import FED

pytestmark = pytest.mark.django_db
OCTOBER = date(2026, 10, 1)


def weighted(rota, value):
    AnnualPopulation.objects.create(
        pcn=rota["pcn"], financial_year=2026, measure="weighted", value=value, source="test"
    )


def line(figures, name):
    return next(x for x in figures["lines"] if x["name"] == name)


def test_a_whole_month_full_time_post_under_its_cap(rota):
    weighted(rota, 2_000)
    figures = arrs.compute(rota["federation"], rota["pcn"], OCTOBER)
    pharmacist = line(figures, "Pat Pharmacist")
    # (£52,000 + £14,000) / 12 = £5,500.00; the cap is £66,972 x 1.0 / 12 = £5,581.00
    assert pharmacist["actual_pence"] == 550_000
    assert pharmacist["maximum_pence"] == 558_100
    assert pharmacist["claimable_pence"] == 550_000
    assert pharmacist["warnings"] == []


def test_part_month_and_part_time_are_pro_rata(rota):
    weighted(rota, 2_000)
    figures = arrs.compute(rota["federation"], rota["pcn"], OCTOBER)
    coordinator = line(figures, "Cara Coordinator")
    # started 17 October: 15 of 31 days; (£14,000 + £3,000) / 12 x 15/31 = £685.48;
    # the cap is £36,150 x 0.5 WTE / 12 x 15/31 = £728.83
    assert coordinator["days_in_post"] == 15 and coordinator["days_in_month"] == 31
    assert coordinator["actual_pence"] == 68_548
    assert coordinator["maximum_pence"] == 72_883
    assert coordinator["claimable_pence"] == 68_548
    assert figures["claimed_pence"] == 550_000 + 68_548
    # not yet in post in September
    september = arrs.compute(rota["federation"], rota["pcn"], date(2026, 9, 1))
    assert [x["name"] for x in september["lines"]] == ["Pat Pharmacist"]


def test_over_the_cap_is_capped_with_a_warning(rota):
    weighted(rota, 2_000)
    rota["pharmacist"].annual_salary_pence = 70_000_00
    rota["pharmacist"].save()
    figures = arrs.compute(rota["federation"], rota["pcn"], OCTOBER)
    pharmacist = line(figures, "Pat Pharmacist")
    assert pharmacist["actual_pence"] == 700_000
    assert pharmacist["claimable_pence"] == 558_100
    assert "over the maximum £5,581.00: claim capped" in pharmacist["warnings"][0]


def test_a_post_not_additional_to_the_baseline_claims_nothing(rota):
    weighted(rota, 2_000)
    rota["pharmacist"].additional_to_baseline = False
    rota["pharmacist"].save()
    figures = arrs.compute(rota["federation"], rota["pcn"], OCTOBER)
    assert line(figures, "Pat Pharmacist")["claimable_pence"] == 0
    assert any("not additional" in w for w in figures["warnings"])


def test_the_pot_what_is_left_and_exhaustion(rota):
    weighted(rota, 2_000)
    figures = arrs.compute(rota["federation"], rota["pcn"], OCTOBER)
    # 2026/27: £27.668 x 2,000 weighted = £55,336.00
    assert figures["pot_pence"] == 5_533_600
    assert figures["left_pence"] == 5_533_600 - 618_548
    arrs.submit(rota["federation"], rota["pcn"], OCTOBER, by=None)
    november = arrs.compute(rota["federation"], rota["pcn"], date(2026, 11, 1))
    assert november["claimed_before_pence"] == 618_548
    assert november["claimed_to_date_pence"] == 618_548 + november["claimed_pence"]
    AnnualPopulation.objects.filter(pcn=rota["pcn"], measure="weighted").update(value=200)
    exhausted = arrs.compute(rota["federation"], rota["pcn"], date(2026, 11, 1))
    assert exhausted["pot_pence"] == 553_360
    assert exhausted["left_pence"] < 0
    assert any("over the pot" in w for w in exhausted["warnings"])


def test_a_missing_weighted_population_is_a_warning(rota):
    figures = arrs.compute(rota["federation"], rota["pcn"], OCTOBER)
    assert figures["weighted_population_is_estimate"] is True
    assert any("no weighted population is held for U30213" in w for w in figures["warnings"])
    # the year's maximums are not held yet: the latest are used and the claim says so
    assert any("2026/27 maximums are not held" in w for w in figures["warnings"])
    assert figures["maxima_year"] == "2025/26"


def test_a_submitted_claim_is_locked_and_audited(rota):
    weighted(rota, 2_000)
    seen = arrs.fingerprint(arrs.compute(rota["federation"], rota["pcn"], OCTOBER))
    claim = arrs.submit(rota["federation"], rota["pcn"], OCTOBER, by=None, expected=seen)
    assert claim.claimed_pence == 618_548
    assert AuditEvent.objects.filter(action="rota.arrs.submit", object_id=str(claim.pk)).exists()
    with pytest.raises(arrs.ClaimError, match="already submitted"):
        arrs.submit(rota["federation"], rota["pcn"], OCTOBER, by=None)
    with pytest.raises(ValueError):
        claim.claimed_pence = 1
        claim.save()
    with pytest.raises(ValueError):
        claim.delete()
    # later changes to the post do not change the submitted claim
    rota["pharmacist"].annual_salary_pence = 90_000_00
    rota["pharmacist"].save()
    shown = arrs.claim(rota["federation"], rota["pcn"], OCTOBER)
    assert shown["claimed_pence"] == 618_548 and shown["submitted"]["reference"]


def test_figures_changed_since_they_were_seen_are_not_submitted(rota):
    weighted(rota, 2_000)
    seen = arrs.fingerprint(arrs.compute(rota["federation"], rota["pcn"], OCTOBER))
    rota["pharmacist"].annual_salary_pence = 50_000_00
    rota["pharmacist"].save()
    with pytest.raises(arrs.ClaimError, match="changed since you looked"):
        arrs.submit(rota["federation"], rota["pcn"], OCTOBER, by=None, expected=seen)
    assert not ArrsClaim.objects.exists()


def test_cli_claim_as_json_and_csv(rota, capsys):
    weighted(rota, 2_000)
    assert main(["arrs", "claim", "U30213", "--month", "2026-10", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["claimed_pence"] == 618_548 and out["pot_pence"] == 5_533_600
    assert main(["arrs", "claim", "U30213", "--month", "2026-10", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["PCN", "Month", "Name"]
    assert rows[-1][2] == "Total" and rows[-1][-2] == "6185.48"
    assert main(["arrs", "claim", "U30213", "--month", "October"]) == 2
    assert main(["arrs", "claim", "U99999", "--month", "2026-10"]) == 2
    assert main(["arrs", "submit", "U30213", "--month", "2026-10"]) == 0
    assert main(["arrs", "submit", "U30213", "--month", "2026-10"]) == 2
    assert "already submitted" in capsys.readouterr().err


def test_claim_page_exports_and_submits(client, rota):
    from accounts.models import User
    from tests.conftest import sign_in_verified

    weighted(rota, 2_000)
    sign_in_verified(client, User.objects.get(email="cd.crosscounties@demo.gpfed.example"))
    page = client.get(f"/rota/{FED}/arrs/U30213/?month=2026-10").content.decode()
    assert "£6,185.48" in page and "Not submitted" in page
    exported = client.get(f"/rota/{FED}/arrs/U30213/claim.csv?month=2026-10")
    assert exported["Content-Disposition"].endswith('arrs-U30213-2026-10.csv"')
    fingerprint = arrs.fingerprint(arrs.compute(rota["federation"], rota["pcn"], OCTOBER))
    done = client.post(
        f"/rota/{FED}/arrs/U30213/submit?month=2026-10", {"fingerprint": fingerprint}, follow=True
    )
    assert "submitted and locked" in done.content.decode()
    assert ArrsClaim.objects.get().submitted_by.email == "cd.crosscounties@demo.gpfed.example"
    # Who and when in words: the person's name and a UK date, not an address and 2026-12-05.
    claimed = ArrsClaim.objects.get()
    shown = client.get(f"/rota/{FED}/arrs/U30213/?month=2026-10").content.decode()
    on = date_text(timezone.localtime(claimed.submitted_at).date())
    assert f"on {on} by {claimed.submitted_by}" in shown
    assert "× 2,000" in shown
