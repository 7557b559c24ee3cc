"""The OCDS parser (pure, no database): what it reads from Find a Tender's release packages
and Contracts Finder's record packages, what it keeps and how it refuses a bad file."""

import json
from datetime import UTC, date, datetime

import pytest

from bids.ocds import OcdsError, cpv_of, notices_read
from tests.bids.conftest import fixture_bytes


def package(*releases) -> bytes:
    return json.dumps({"version": "1.1", "releases": list(releases)}).encode()


def release(ocid="ocds-x-1", **tender) -> dict:
    return {
        "ocid": ocid,
        "buyer": {"name": "NHS Test ICB"},
        "tender": {
            "title": "GP services",
            "classification": {"scheme": "CPV", "id": "85121100-4"},
            **tender,
        },
    }


def test_a_find_a_tender_package_reads_the_health_tenders_and_leaves_the_rest():
    reading = notices_read(fixture_bytes("fts-release-package.json"))
    assert reading.releases == 5
    assert [n.ocid for n in reading.notices] == [
        "ocds-h6vhtk-0512a1",
        "ocds-h6vhtk-0512b2",
        "ocds-h6vhtk-0512e5",
    ]
    ea = reading.notices[0]
    assert ea.buyer.startswith("NHS Leicester")
    assert ea.value_pence == 450_000_050
    assert ea.route == "competitive"
    assert ea.cpv_codes == ("85121100", "85120000")
    assert ea.clarification_deadline == datetime(2027, 1, 8, 12, tzinfo=UTC)
    assert ea.submission_deadline == datetime(2027, 1, 22, 12, tzinfo=UTC)
    assert ea.term_months == 36
    assert ea.extension_months == 24
    assert ea.criteria == (
        ("Quality and service model", 60),
        ("Social value", 10),
        ("Price", 30),
    )
    assert ea.documents[0] == (
        "Tender notice",
        "https://www.find-tender.service.gov.uk/Notice/0512a1",
    )
    ward = reading.notices[1]
    assert ward.route == "direct_c"
    assert ward.term_months == 24  # 730 days
    assert ward.clarification_deadline is None


def test_a_contracts_finder_record_package_reads_each_compiled_release():
    reading = notices_read(fixture_bytes("contracts-finder-record-package.json"))
    (notice,) = reading.notices
    assert notice.ocid == "ocds-b5fd17-phleb-2026"
    assert notice.buyer == "NHS Leicester, Leicestershire and Rutland ICB"  # from parties
    assert notice.route == "most_suitable"
    assert notice.standstill_end == date(2027, 2, 10)
    assert notice.term_months == 12


def test_cpv_codes_and_buyers_filter_what_is_kept():
    data = fixture_bytes("fts-release-package.json")
    assert [n.ocid for n in notices_read(data, cpv=["77314000"]).notices] == ["ocds-h6vhtk-0512c3"]
    leicester = notices_read(data, buyers=["leicester"]).notices
    assert [n.ocid for n in leicester] == ["ocds-h6vhtk-0512a1", "ocds-h6vhtk-0512b2"]
    assert [n.ocid for n in notices_read(data, buyers=["GB-NHS-QHM"]).notices] == [
        "ocds-h6vhtk-0512e5"
    ]


def test_a_bad_file_names_each_release_and_field_and_keeps_nothing():
    with pytest.raises(OcdsError) as refused:
        notices_read(fixture_bytes("bad-release-package.json"))
    problems = [(p.index, p.field) for p in refused.value.problems]
    assert problems == [(0, "tender.value.amount"), (1, "tender.tenderPeriod.endDate")]
    assert refused.value.summary().startswith("release 0, tender.value.amount: 'lots'")
    assert "(and 1 more)" in refused.value.summary()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"not json", "file"),
        (b"[]", "file"),
        (b'{"uri": "x"}', "file"),
        (package({"tender": {}}), "ocid"),
        (package(release(value={"amount": 10, "currency": "EUR"})), "tender.value.currency"),
        (package(release(title="")), "tender.title"),
        (package(release(documents=[{"url": "ftp://x"}])), "tender.documents[0].url"),
        (
            package(
                release(
                    enquiryPeriod={"endDate": "2027-02-01T00:00:00Z"},
                    tenderPeriod={"endDate": "2027-01-01T00:00:00Z"},
                )
            ),
            "tender.enquiryPeriod.endDate",
        ),
        (
            package(release(tenderPeriod={"endDate": "9999-01-01T00:00:00Z"})),
            "tender.tenderPeriod.endDate",
        ),
        (
            package(release(contractPeriod={"durationInDays": "long"})),
            "tender.contractPeriod.durationInDays",
        ),
        (package(release(description="Patient 943 476 5919 seen")), "tender.description"),
    ],
)
def test_each_refusal_names_its_field(data, field):
    with pytest.raises(OcdsError) as refused:
        notices_read(data)
    assert refused.value.problems[0].field == field


def test_criteria_weights_must_add_up_to_100():
    criteria = {
        "criteria": [
            {"name": "Quality", "numbers": [{"number": 60}]},
            {"name": "Price", "numbers": [{"number": 30}]},
        ]
    }
    with pytest.raises(OcdsError) as refused:
        notices_read(package(release(awardCriteria=criteria)))
    assert "add up to 90, not 100" in str(refused.value)


def test_a_later_release_of_the_same_process_supersedes_the_earlier():
    reading = notices_read(package(release(value={"amount": 100}), release(value={"amount": 200})))
    assert [n.value_pence for n in reading.notices] == [20_000]


def test_cpv_check_digits_are_dropped():
    assert cpv_of("85121100-4") == "85121100"
