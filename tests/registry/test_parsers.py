from datetime import date

import pytest

from registry.importers import epcn, epraccur, mapping, patients, populations
from registry.importers.base import ImportFileError, parse_date
from registry.importers.detect import Kind, detect, month_from_file_name
from tests.registry import eras


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20240401", date(2024, 4, 1)),
        ("01JAN2021", date(2021, 1, 1)),
        ("01Jan2022", date(2022, 1, 1)),
        ("2026-04-01", date(2026, 4, 1)),
        ("01-Apr-26", date(2026, 4, 1)),
    ],
)
def test_parse_date_every_publication_format(text, expected):
    assert parse_date(text) == expected


def test_parse_date_rejects_nonsense():
    with pytest.raises(ValueError, match="not a date"):
        parse_date("31/31/2021x")


def test_epraccur_legacy_keeps_only_gp_practices(demo_file):
    parsed = epraccur.parse(demo_file("epraccur"))
    codes = {p.code for p in parsed.practices}
    assert parsed.era == "legacy"
    assert "C82001" in codes
    # Out-of-hours services and walk-in centres in the same file are not practices.
    assert "Y02077" not in codes
    assert "Y02077" in {o.code for o in parsed.others}
    south_leics = next(p for p in parsed.practices if p.code == "C82001")
    assert south_leics.name == "SOUTH LEICESTERSHIRE MEDICAL GROUP"
    assert south_leics.postcode == "LE8 0LG"
    assert south_leics.open_date == date(1974, 4, 1)
    assert south_leics.status == "A"
    assert south_leics.commissioner == "03W"
    assert south_leics.national_grouping == "Y60"
    assert south_leics.high_level_health_geography == "QK1"
    closed = next(p for p in parsed.practices if p.code == "C82036")
    assert closed.status == "C"
    assert closed.close_date == date(2020, 6, 30)


def test_epraccur_data_search_export_era_gives_the_same_practices(demo_file):
    legacy = epraccur.parse(demo_file("epraccur"))
    dse = epraccur.parse(eras.epraccur_data_search_export())
    assert dse.era == "data-search-export"
    assert [p.code for p in dse.practices] == [p.code for p in legacy.practices]
    assert {p.code: p.status for p in dse.practices} == {p.code: p.status for p in legacy.practices}
    assert len(dse.others) == len(legacy.others)


def test_epraccur_wrong_field_count_names_the_row(demo_file):
    lines = demo_file("epraccur").decode().splitlines(keepends=True)
    lines[2] = '"C82999","SHORT ROW","Y60"\n'
    with pytest.raises(ImportFileError) as error:
        epraccur.parse("".join(lines).encode())
    assert error.value.problems[0].row == 3
    assert "expected 27 fields" in str(error.value)


def test_epraccur_malformed_code_and_date_name_row_and_column(demo_file):
    lines = demo_file("epraccur").decode().splitlines(keepends=True)
    lines[0] = lines[0].replace('"19740401"', '"1974-13-45"', 1)
    lines[1] = lines[1].replace(lines[1][1:7], "C8200X", 1)
    with pytest.raises(ImportFileError) as error:
        epraccur.parse("".join(lines).encode())
    problems = {(p.row, p.column) for p in error.value.problems}
    assert (1, "11 (Open Date)") in problems
    assert (2, "1 (Organisation Code)") in problems


def test_epcn_reads_both_sheets_with_line_breaks_in_headers(demo_file):
    parsed = epcn.parse(demo_file("ePCN"))
    codes = {p.code for p in parsed.pcns}
    assert "U30213" in codes
    cross_counties = next(p for p in parsed.pcns if p.code == "U30213")
    assert cross_counties.name == "CROSS COUNTIES PCN"
    assert cross_counties.sub_icb_code == "03W"
    assert cross_counties.open_date == date(2019, 10, 1)
    spell = next(r for r in parsed.partners if r.practice_code == "C82001")
    assert (spell.pcn_code, spell.start_date, spell.end_date) == ("U30213", date(2019, 10, 1), None)


def test_epcn_missing_sheet_is_refused(demo_file):
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(demo_file("ePCN")))
    del wb["PCN Core Partner Details"]
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportFileError, match="sheet 'PCN Core Partner Details' is missing"):
        epcn.parse(out.getvalue())


def test_epcn_missing_column_is_named(demo_file):
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(demo_file("ePCN")))
    wb["PCNDetails"]["A1"] = "Something else"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportFileError) as error:
        epcn.parse(out.getvalue())
    assert error.value.problems[0].column == "PCN Code"
    assert "missing" in error.value.problems[0].message


def test_patients_all_ccg_era(demo_file):
    parsed = patients.parse(demo_file("gp-reg-pat-prac-all"))
    assert (parsed.breakdown, parsed.era) == ("all", "ccg")
    assert parsed.extract_dates == [date(2021, 1, 1)]
    c82001 = next(c for c in parsed.counts if c.practice_code == "C82001")
    assert (c82001.sex, c82001.age_band, c82001.patients) == ("ALL", "ALL", 26437)


def test_patients_april_2026_real_file(demo_file):
    """The April 2026 publication as published (cut to the demo's practices): sub-ICB-era
    columns and an ISO extract date."""
    data = demo_file("gp-reg-pat-prac-all-03W-2026-04")
    assert detect(data) == Kind.PATIENTS
    parsed = patients.parse(data)
    assert (parsed.breakdown, parsed.era) == ("all", "sub-icb")
    assert parsed.extract_dates == [date(2026, 4, 1)]
    assert len(parsed.counts) == 36 and parsed.derived_totals == 0
    c82001 = next(c for c in parsed.counts if c.practice_code == "C82001")
    assert (c82001.row, c82001.sex, c82001.age_band, c82001.patients) == (2, "ALL", "ALL", 25822)


def test_patients_sub_icb_era_and_iso_dates():
    parsed = patients.parse(eras.patients_sub_icb_era("2026-04-01"))
    assert parsed.era == "sub-icb"
    assert parsed.extract_dates == [date(2026, 4, 1)]


def test_patients_quin_age_bands():
    parsed = patients.parse(eras.quin_age("01Jan2022"))
    assert parsed.breakdown == "quin-age"
    bands = {(c.age_band, c.age_from, c.age_to) for c in parsed.counts}
    assert ("0-4", 0, 4) in bands
    assert ("95+", 95, None) in bands


def test_patients_sing_age_with_two_digit_year_dates():
    parsed = patients.parse(eras.sing_age("01-Apr-26"))
    assert parsed.breakdown == "sing-age"
    assert parsed.extract_dates == [date(2026, 4, 1)]
    assert ("7", 7, 7) in {(c.age_band, c.age_from, c.age_to) for c in parsed.counts}


def test_patients_bad_number_names_row_and_column(demo_file):
    text = demo_file("gp-reg-pat-prac-all").decode().splitlines()
    text[3] = text[3].rsplit(",", 1)[0] + ",12.5"
    with pytest.raises(ImportFileError) as error:
        patients.parse("\n".join(text).encode())
    assert (error.value.problems[0].row, error.value.problems[0].column) == (
        4,
        "NUMBER_OF_PATIENTS",
    )


def test_patients_map_ccg_era(demo_file):
    parsed = mapping.parse(demo_file("gp-reg-pat-prac-map"))
    assert parsed.publication == "gp-reg-pat-prac-map"
    assert parsed.era == "ccg"
    assert parsed.as_at_dates == [date(2022, 1, 1)]
    row = next(r for r in parsed.records if r.practice_code == "C82001")
    assert (row.pcn_code, row.sub_icb_code, row.icb_code, row.region_code) == (
        "U30213",
        "03W",
        "QK1",
        "Y60",
    )


def test_patients_map_sub_icb_era():
    parsed = mapping.parse(eras.patients_map_sub_icb_era("01-Apr-26"))
    assert parsed.era == "sub-icb"
    assert parsed.as_at_dates == [date(2026, 4, 1)]


def test_gpad_mapping_needs_a_date(demo_file):
    with pytest.raises(ImportFileError, match="has no date in it"):
        mapping.parse(demo_file("gpad-mapping"))
    parsed = mapping.parse(demo_file("gpad-mapping"), as_at=date(2025, 8, 1))
    assert parsed.publication == "gpad-mapping"
    assert parsed.as_at_dates == [date(2025, 8, 1)]


def test_populations_csv():
    data = (
        b"CODE,FINANCIAL_YEAR,ADJUSTED_POPULATION,WEIGHTED_POPULATION,SOURCE\n"
        b"U30213,2025-26,51234.56,49876.1,NHS England\n"
        b"C82001,2025/26,,27001,\n"
    )
    records = populations.parse(data)
    assert records[0].is_pcn and records[0].financial_year == 2025
    assert str(records[0].adjusted) == "51234.56"
    assert not records[1].is_pcn and records[1].adjusted is None


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [
        ("epraccur", Kind.EPRACCUR),
        ("ePCN", Kind.EPCN),
        ("gp-reg-pat-prac-all", Kind.PATIENTS),
        ("gp-reg-pat-prac-map", Kind.PATIENTS_MAP),
        ("gpad-mapping", Kind.GPAD_MAPPING),
    ],
)
def test_detect_recognises_each_publication(demo_file, prefix, kind):
    assert detect(demo_file(prefix)) == kind


def test_detect_recognises_later_eras():
    assert detect(eras.epraccur_data_search_export()) == Kind.EPRACCUR
    assert detect(eras.quin_age()) == Kind.PATIENTS
    assert detect(eras.sing_age()) == Kind.PATIENTS
    assert detect(eras.patients_map_sub_icb_era()) == Kind.PATIENTS_MAP


def test_detect_refuses_an_unknown_file():
    with pytest.raises(ImportFileError, match="does not recognise"):
        detect(b"name,favourite colour\nAlice,blue\n")


@pytest.mark.parametrize("data", [b"", b"   \n\n"])
def test_empty_file_is_refused(data):
    with pytest.raises(ImportFileError, match="empty"):
        detect(data)


def test_wrong_encoding_names_the_row():
    data = b"CODE,FINANCIAL_YEAR,ADJUSTED_POPULATION\nU30213,2025-26,1\nU30214,2025-26,caf\xe9\n"
    with pytest.raises(ImportFileError) as error:
        detect(data)
    assert error.value.problems[0].row == 3
    assert "not UTF-8" in error.value.problems[0].message


def test_utf16_file_is_refused():
    with pytest.raises(ImportFileError, match="UTF-16"):
        detect("CODE,FINANCIAL_YEAR\n".encode("utf-16"))


def test_month_from_file_name():
    assert month_from_file_name("gpad-mapping-2025-08.csv") == date(2025, 8, 1)
    assert month_from_file_name("Mapping_202508.csv") == date(2025, 8, 1)
    assert month_from_file_name("Mapping.csv") is None


def test_quin_age_totals_are_added_up_from_the_bands():
    parsed = patients.parse(eras.quin_age("01Jan2022", practices=1))
    totals = [c for c in parsed.counts if c.sex == "ALL" and c.age_band == "ALL"]
    bands = [c for c in parsed.counts if c.age_band != "ALL"]
    assert parsed.derived_totals == 1
    assert totals[0].patients == sum(c.patients for c in bands)


def test_sing_age_keeps_the_published_total():
    parsed = patients.parse(eras.sing_age(practices=1))
    totals = [c for c in parsed.counts if c.sex == "ALL" and c.age_band == "ALL"]
    assert parsed.derived_totals == 0
    assert [t.patients for t in totals] == [9600]
