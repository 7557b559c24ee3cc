from datetime import date

import pytest

from registry import selectors
from registry.importing import import_file
from registry.models import PCN, Federation, Practice
from tests.factories import (
    CommissionerFactory,
    FederationMembershipFactory,
    ListSizeFactory,
    PCNFactory,
    PracticeCommissionerFactory,
    PracticeFactory,
    PracticePCNFactory,
)
from tests.registry import eras

pytestmark = pytest.mark.django_db


def test_demo_federation_matches_the_published_figures(demo):
    federation = Federation.objects.get()
    summary = selectors.federation_summary(federation)
    assert summary["practice_count"] == 31
    assert len(summary["pcns"]) == 9
    # 30 April 2026 lists, and the January 2021 list of the one member practice the April 2026
    # file has no row for (Y05412, an asylum seekers' service).
    assert summary["registered"].patients == 361_969
    assert summary["registered"].extracts == "latest extracts, 1 January 2021 to 1 April 2026"
    # Before April 2026 the lists are January 2021's: sub-ICB 03W had 338,663 registered
    # patients then (DOMAIN.md).
    before = selectors.federation_summary(federation, date(2026, 3, 31))["registered"]
    assert before.patients == 338_663
    assert before.extracts == "extract of 1 January 2021"


def test_pcn_registered_list_is_the_sum_of_its_practices_on_a_date():
    pcn = PCNFactory()
    a, b, c = PracticeFactory(), PracticeFactory(), PracticeFactory()
    PracticePCNFactory(practice=a, pcn=pcn, start_date=date(2019, 10, 1))
    PracticePCNFactory(
        practice=b, pcn=pcn, start_date=date(2019, 10, 1), end_date=date(2022, 3, 31)
    )
    PracticePCNFactory(practice=c, pcn=pcn, start_date=date(2022, 4, 1))
    for practice, n in ((a, 1000), (b, 2000), (c, 4000)):
        ListSizeFactory(practice=practice, extract_date=date(2022, 1, 1), patients=n)
        ListSizeFactory(practice=practice, extract_date=date(2023, 1, 1), patients=n + 1)
    assert selectors.pcn_registered_list(pcn, date(2022, 1, 15)).patients == 3000
    later = selectors.pcn_registered_list(pcn, date(2023, 6, 1))
    assert later.patients == 1001 + 4001
    assert later.extract_dates == [date(2023, 1, 1)]


def test_missing_adjusted_population_is_an_estimate_labelled_as_such():
    pcn = PCNFactory()
    practice = PracticeFactory()
    PracticePCNFactory(practice=practice, pcn=pcn)
    ListSizeFactory(practice=practice, extract_date=date(2025, 1, 1), patients=12345)
    figure = selectors.population(pcn, 2025, "adjusted")
    assert figure.is_estimate
    assert figure.value == 12345
    assert "Estimate" in figure.basis and "registered list" in figure.basis
    assert "extract of 1 January 2025" in figure.basis


@pytest.mark.parametrize(
    "dates, text",
    [
        ([], ""),
        ([date(2021, 1, 1)], "extract of 1 January 2021"),
        ([date(2021, 1, 1), date(2021, 1, 1)], "extract of 1 January 2021"),
        (
            [date(2026, 4, 1), date(2021, 1, 1), date(2024, 1, 1)],
            "latest extracts, 1 January 2021 to 1 April 2026",
        ),
    ],
)
def test_extracts_text_names_the_extract_or_the_range(dates, text):
    assert selectors.extracts_text(dates) == text


def test_entered_adjusted_population_is_not_an_estimate(user):
    from registry.services import population_set

    pcn = PCNFactory()
    population_set(pcn=pcn, financial_year=2025, measure="adjusted", value=51000, by=user)
    figure = selectors.population(pcn, 2025, "adjusted")
    assert not figure.is_estimate
    assert figure.value == 51000


def test_practice_search_by_code_name_and_postcode(demo):
    assert [p.code for p in selectors.practice_search(q="c82001")] == ["C82001"]
    assert "C82001" in [p.code for p in selectors.practice_search(q="leicestershire medical")]
    assert "C82001" in [p.code for p in selectors.practice_search(q="le8 0lg")]
    assert "C82001" in [p.code for p in selectors.practice_search(q="LE80LG")]


def test_practice_search_filters_by_icb_and_sub_icb():
    leics = CommissionerFactory(
        code="03W", kind="sub_icb", parent=CommissionerFactory(code="QK1", kind="icb")
    )
    other = CommissionerFactory(
        code="16C", kind="sub_icb", parent=CommissionerFactory(code="QHM", kind="icb")
    )
    inside, outside = PracticeFactory(), PracticeFactory()
    PracticeCommissionerFactory(practice=inside, commissioner=leics)
    PracticeCommissionerFactory(practice=outside, commissioner=other)
    assert list(selectors.practice_search(sub_icb="03W")) == [inside]
    assert list(selectors.practice_search(icb="QHM")) == [outside]


def test_federation_pcns_follow_from_member_practices():
    federation_membership = FederationMembershipFactory()
    pcn = PCNFactory()
    PracticePCNFactory(practice=federation_membership.practice, pcn=pcn)
    PracticePCNFactory(pcn=pcn)  # a practice of the same PCN outside the federation
    rows = selectors.federation_pcns_on(federation_membership.federation)
    assert [(r["pcn"], r["member_practices"], r["all_practices"]) for r in rows] == [(pcn, 1, 2)]


def test_federation_trend_counts_members_at_each_extract():
    early = FederationMembershipFactory(start_date=date(2016, 4, 1))
    late = FederationMembershipFactory(federation=early.federation, start_date=date(2023, 4, 1))
    for m in (early, late):
        ListSizeFactory(practice=m.practice, extract_date=date(2022, 1, 1), patients=1000)
        ListSizeFactory(practice=m.practice, extract_date=date(2024, 1, 1), patients=1100)
    trend = selectors.federation_population_trend(early.federation)
    assert [(t["date"], t["patients"], t["practices"]) for t in trend] == [
        (date(2022, 1, 1), 1000, 1),
        (date(2024, 1, 1), 2200, 2),
    ]


def test_federation_age_profile_from_quin_age(demo):
    import_file(data=eras.quin_age("01Jan2022", practices=3), file_name="quin.csv", by=None)
    profile = selectors.federation_age_profile(Federation.objects.get())
    assert profile["extract_date"] == date(2022, 1, 1)
    assert len(profile["bands"]) == 20
    assert profile["bands"][0]["label"] == "0–4"
    assert profile["total"] == sum(b["male"] + b["female"] for b in profile["bands"])
    assert profile["total"] > 0


def test_practice_report(demo):
    report = selectors.practice_report(Practice.objects.get(code="C82001"))
    assert report["pcn"]["code"] == "U30213"
    assert report["sub_icb"]["code"] == "03W"
    assert report["icb"]["code"] == "QK1"
    assert report["region"]["code"] == "Y60"
    assert report["list_size"] == {"patients": 25822, "extract_date": "2026-04-01"}
    assert report["federation"]["name"] == "East Leicestershire and Rutland GP Federation"
    then = selectors.practice_report(Practice.objects.get(code="C82001"), date(2026, 3, 31))
    assert then["list_size"] == {"patients": 26437, "extract_date": "2021-01-01"}
    assert PCN.objects.filter(code="U30213").exists()
