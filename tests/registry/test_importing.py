import io
from datetime import date

import openpyxl
import pytest

from audit.models import AuditEvent
from registry.importers.base import ImportFileError
from registry.importing import import_file
from registry.models import (
    PCN,
    AnnualPopulation,
    Commissioner,
    ImportRun,
    ListSize,
    Practice,
    PracticeCommissioner,
    PracticePCN,
)
from registry.selectors import practice_pcn_on
from registry.services import population_set, practice_correct
from tests.registry import eras

pytestmark = pytest.mark.django_db

ORDER = ["epraccur", "ePCN", "gp-reg-pat-prac-map", "gpad-mapping", "gp-reg-pat-prac-all"]


def load(demo_file, prefix, name=None, **kwargs):
    data = demo_file(prefix) if isinstance(prefix, str) else prefix
    file_name = name or {
        "gpad-mapping": "gpad-mapping-03W-2025-08.csv",
        "ePCN": "ePCN-03W-2024-10.xlsx",
        "epraccur": "epraccur-03W-2025-09.csv",
    }.get(prefix, f"{prefix}.csv")
    return import_file(data=data, file_name=file_name, by=None, **kwargs)


def load_all(demo_file):
    return [load(demo_file, prefix) for prefix in ORDER]


def table_counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Practice,
            PCN,
            Commissioner,
            PracticePCN,
            PracticeCommissioner,
            ListSize,
            AnnualPopulation,
        )
    }


def test_import_builds_the_registry_from_the_real_files(demo_file):
    runs = load_all(demo_file)
    assert all(run.status == ImportRun.Status.SUCCEEDED for run in runs)
    practice = Practice.objects.get(code="C82001")
    assert practice.name == "SOUTH LEICESTERSHIRE MEDICAL GROUP"
    assert practice_pcn_on(practice, date(2023, 4, 1)).pcn.code == "U30213"
    assert ListSize.objects.get(practice=practice, sex="ALL", age_band="ALL").patients == 26437
    sub_icb = Commissioner.objects.get(code="03W")
    assert sub_icb.kind == Commissioner.Kind.SUB_ICB
    assert sub_icb.parent.code == "QK1"
    assert sub_icb.parent.parent.code == "Y60"
    # The newest publication's name wins over the 2022 CCG-era name.
    assert sub_icb.name == "NHS Leicester, Leicestershire and Rutland ICB - 03W"
    assert not Practice.objects.filter(code="Y02077").exists()  # an out-of-hours service
    epraccur_run = runs[0]
    assert epraccur_run.counts["skipped"] == 34
    assert epraccur_run.counts["read"] == 76


def test_import_records_the_run(demo_file):
    run = load(demo_file, "epraccur")
    run.refresh_from_db()
    assert run.kind == "epraccur"
    assert len(run.sha256) == 64
    assert run.file_name == "epraccur-03W-2025-09.csv"
    assert run.as_at == date(2025, 9, 1)
    assert run.finished_at is not None
    assert AuditEvent.objects.filter(action="registry.import", object_id=str(run.pk)).exists()


def test_importing_the_same_files_twice_changes_nothing(demo_file):
    load_all(demo_file)
    before = table_counts()
    again = load_all(demo_file)
    assert table_counts() == before
    for run in again:
        assert run.counts.get("created", 0) == 0, run.file_name
        assert run.counts.get("updated", 0) == 0, run.file_name
        assert run.counts.get("closed", 0) == 0, run.file_name


def test_dry_run_counts_but_writes_nothing(demo_file):
    before = table_counts()
    run = load(demo_file, "epraccur", dry_run=True)
    assert run.status == ImportRun.Status.CHECKED
    assert run.counts["created"] > 0
    assert table_counts() == before


def test_newer_epcn_closes_a_membership_that_ended(demo_file):
    load(demo_file, "epraccur")
    load(demo_file, "ePCN")
    wb = openpyxl.load_workbook(io.BytesIO(demo_file("ePCN")))
    sheet = wb["PCN Core Partner Details"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "C82001":
            row[9].value = "20260331"
    out = io.BytesIO()
    wb.save(out)
    run = load(demo_file, out.getvalue(), name="ePCN-2026-05.xlsx")
    assert run.counts["closed"] == 1
    spell = PracticePCN.objects.get(practice__code="C82001")
    assert spell.end_date == date(2026, 3, 31)
    assert practice_pcn_on(spell.practice, date(2026, 4, 1)) is None


def test_newer_mapping_moves_a_practice_to_another_pcn(demo_file):
    load(demo_file, "epraccur")
    load(demo_file, "ePCN")
    newer = eras.patients_map_sub_icb_era(
        "01-Apr-26", moves={"C82001": ("U12169", "NORTH BLABY PCN")}, only={"C82001"}
    )
    run = load(demo_file, newer, name="gp-reg-pat-prac-map-2026-04.csv")
    assert run.counts["closed"] == 1
    practice = Practice.objects.get(code="C82001")
    assert practice_pcn_on(practice, date(2026, 3, 31)).pcn.code == "U30213"
    assert practice_pcn_on(practice, date(2026, 4, 1)).pcn.code == "U12169"
    # The older mapping, imported afterwards, does not reopen what the newer one closed.
    load(demo_file, "gp-reg-pat-prac-map")
    assert practice_pcn_on(practice, date(2026, 4, 1)).pcn.code == "U12169"


def test_closed_practice_is_counted_as_closed(demo_file):
    load(demo_file, "epraccur")
    lines = demo_file("epraccur").decode().splitlines(keepends=True)
    lines = [
        line.replace('"19740401","","A"', '"19740401","20260930","C"', 1)
        if line.startswith('"C82001"')
        else line
        for line in lines
    ]
    run = load(demo_file, "".join(lines).encode(), name="epraccur-2026-10.csv")
    assert run.counts["closed"] == 1
    practice = Practice.objects.get(code="C82001")
    assert practice.status == Practice.Status.CLOSED
    assert practice.close_date == date(2026, 9, 30)


def test_import_keeps_fields_corrected_by_hand_and_says_so(demo_file):
    load(demo_file, "epraccur")
    practice = Practice.objects.get(code="C82001")
    practice_correct(practice=practice, by=None, values={"name": "South Leicestershire MG"})
    run = load(demo_file, "epraccur")
    practice.refresh_from_db()
    assert practice.name == "South Leicestershire MG"
    assert run.counts["kept_manual"] == 1
    assert any("kept name" in note and "C82001" in note for note in run.notes)
    # Released, the next import may set it again.
    practice_correct(practice=practice, by=None, values={}, release=["name"])
    load(demo_file, "epraccur")
    practice.refresh_from_db()
    assert practice.name == "SOUTH LEICESTERSHIRE MEDICAL GROUP"


def test_import_keeps_a_population_entered_by_hand(demo_file, user):
    load(demo_file, "epraccur")
    load(demo_file, "ePCN")
    pcn = PCN.objects.get(code="U30213")
    population_set(pcn=pcn, financial_year=2025, measure="adjusted", value=50000, by=user)
    csv = b"CODE,FINANCIAL_YEAR,ADJUSTED_POPULATION\nU30213,2025-26,51000\n"
    run = load(demo_file, csv, name="populations.csv")
    assert run.counts["kept_manual"] == 1
    assert AnnualPopulation.objects.get(pcn=pcn).value == 50000


def test_bad_file_writes_nothing_and_is_recorded(demo_file):
    load(demo_file, "epraccur")
    before = table_counts()
    lines = demo_file("gp-reg-pat-prac-all").decode().splitlines(keepends=True)
    lines[5] = lines[5].replace("01JAN2021", "32JAN2021")
    with pytest.raises(ImportFileError) as error:
        load(demo_file, "".join(lines).encode(), name="bad.csv")
    assert error.value.problems[0].row == 6
    assert error.value.problems[0].column == "EXTRACT_DATE"
    assert table_counts() == before
    run = ImportRun.objects.get(file_name="bad.csv")
    assert run.status == ImportRun.Status.FAILED
    assert run.problems[0]["row"] == 6


def test_unknown_practice_is_refused_with_its_row(demo_file):
    with pytest.raises(ImportFileError) as error:
        load(demo_file, "gp-reg-pat-prac-all")
    assert "is not a practice gpfed knows" in str(error.value)
    assert error.value.problems[0].row == 2
    assert ListSize.objects.count() == 0


def test_epcn_with_unknown_practice_writes_no_pcns(demo_file):
    with pytest.raises(ImportFileError):
        load(demo_file, "ePCN")
    assert PCN.objects.count() == 0


def test_wrong_publication_for_the_kind_given(demo_file):
    with pytest.raises(ImportFileError) as error:
        load(demo_file, "gp-reg-pat-prac-all", kind="epraccur")
    assert "expected 27 fields" in str(error.value)


def test_later_eras_import(demo_file):
    load(demo_file, "epraccur")
    run = load(demo_file, eras.epraccur_data_search_export(), name="epraccur-dse.csv")
    # The same practices with the same statuses; only the address lines moved.
    assert run.counts.get("created", 0) == 0
    assert Practice.objects.get(code="C82036").status == Practice.Status.CLOSED
    assert Practice.objects.get(code="C82001").address_4 == "LEICESTERSHIRE"
    load(demo_file, eras.patients_sub_icb_era("2026-04-01"), name="gp-reg-2026-04.csv")
    load(demo_file, eras.quin_age("01Jan2022"), name="quin.csv")
    load(demo_file, eras.sing_age("01-Apr-26"), name="sing.csv")
    assert set(
        ListSize.objects.filter(sex="ALL", age_band="ALL").values_list("extract_date", flat=True)
    ) == {date(2022, 1, 1), date(2026, 4, 1)}


def test_a_fault_in_gpfed_marks_the_run_failed_and_writes_nothing(demo_file, monkeypatch):
    from registry import importing

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(importing, "_apply_epraccur", broken)
    with pytest.raises(RuntimeError):
        load(demo_file, "epraccur")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "nothing was written" in run.problems[0]["message"]
    assert not Practice.objects.exists()
