"""NHS-number screening reads what a person would read: a PDF's text whatever separates the
digits, a Word paragraph whose number is split across runs, a workbook's numbers whatever their
format and its formulas' results, CSV in any encoding; and telephone numbers are not NHS
numbers."""

import csv
import io

import openpyxl
import pytest

from kernel.documents import DocumentError, check_document
from kernel.uploads import UploadRefused, check_workbook, contains_nhs_number, is_nhs_number
from registry.importers.screening import screen
from tests.uploads.files import HEAD, TAIL, docx, pdf, with_sheet, workbook


def with_check_digit(nine: str) -> str:
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine))
    return nine + str((11 - total % 11) % 11)


# Real-format valid NHS numbers (modulus 11), as people write them.
NHS_NUMBERS = [
    "943 476 5919",  # NHS England's published example
    "943-476-5919",
    "943.476.5919",
    "9434765919",
    "401 023 2137",
    "485 777 3456".replace("3456", with_check_digit("485777345")[-4:]),
    "  702 140 5663 ".strip().replace("5663", with_check_digit("702140566")[-4:]),
]
# Ofcom's numbers for drama (www.ofcom.org.uk, "TV and radio drama numbers"), in the ways they
# are written. Each one's national number (the ten digits after the 0 or +44) passes the
# modulus 11 check, so a screen that looked at digits alone would take it for an NHS number.
PHONE_NUMBERS = [
    "+44 116 496 0008",
    "+44 (0)116 496 0016",
    "0116 496 0777",
    "0116 496 0024",
    "(0116) 496 0032",
    "+441164960008",
    "0044 116 496 0008",
    "+44 113 496 0018",
    "0113 496 0026",
    "01632 960123",
    "01632 960001",
    "+44 1632 960028",
    "020 7946 0005",
    "+44 20 7946 0013",
    "07700 900000",
    "+44 7700 900019",
]


def test_the_numbers_in_the_test_are_what_they_say():
    for written in NHS_NUMBERS:
        assert is_nhs_number("".join(c for c in written if c.isdigit())), written
    # the national numbers of these drama numbers pass the check digit: only how they are
    # written tells them apart
    for national in ("1164960008", "1134960018", "1632960001", "2079460005", "7700900000"):
        assert is_nhs_number(national)


def test_nhs_numbers_are_found_and_telephone_numbers_beside_them_are_not():
    rows = [["what", "number"]]
    for nhs, phone in zip(NHS_NUMBERS, PHONE_NUMBERS, strict=False):
        rows += [["nhs", nhs], ["phone", phone]]
    rows += [["phone", phone] for phone in PHONE_NUMBERS[len(NHS_NUMBERS) :]]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    problems = screen(out.getvalue().encode())
    flagged = {rows[p.row - 1][1] for p in problems}
    assert flagged == set(NHS_NUMBERS)
    assert {p.column for p in problems} == {"number"}
    for phone in PHONE_NUMBERS:
        assert not contains_nhs_number(f"Call {phone} to book"), phone
    for nhs in NHS_NUMBERS:
        assert contains_nhs_number(f"Patient {nhs}, seen today"), nhs


@pytest.mark.parametrize(
    "text",
    [
        "weighted 10234.5678901234",  # a fraction's digits are not a number of their own
        "ratio 0.9434765919",
        "0116 496 0008 and 01632 960123",
        "order 19434765919",  # eleven digits
        "9434765918",  # the wrong check digit
    ],
)
def test_other_numbers_are_not_nhs_numbers(text):
    assert not contains_nhs_number(text)


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "utf-32"]
)
def test_csv_is_screened_in_any_encoding(encoding):
    data = "Practice,Note\nC82001,Café visit for 943 476 5919\n".encode(encoding)
    assert [(p.row, p.column) for p in screen(data)] == [(2, "Note")]


def test_a_pdf_is_screened_as_it_reads_whatever_separates_the_digits():
    with pytest.raises(DocumentError, match="NHS number"):
        check_document("audit.pdf", pdf("Seen: 943.476.5919 on Tuesday"), door="contract")
    with pytest.raises(DocumentError, match="NHS number"):
        check_document("audit.pdf", pdf("Seen: 943-476-5919"), door="contract")
    assert check_document("rota.pdf", pdf("Ring +44 116 496 0008"), door="contract")


def test_a_word_paragraph_is_read_with_its_runs_joined():
    split = docx(["Patient ", "943 47", "6 5919", " attended"])
    with pytest.raises(DocumentError, match="NHS number"):
        check_document("letter.docx", split, door="library")
    apart = docx(["943 47"], ["6 5919"])  # two paragraphs: not one number
    assert check_document("letter.docx", apart, door="library")


def test_a_workbook_number_is_read_whatever_its_format():
    book = openpyxl.Workbook()
    book.active.append(["Patient", 9434765919])
    book.active["B1"].number_format = "0.00E+00"  # shows 9.43E+09
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(DocumentError, match="NHS number"):
        check_document("list.xlsx", out.getvalue(), door="contract")
    # stored as the file holds it, in scientific notation
    scientific = with_sheet(HEAD + b'<row r="1"><c r="A1"><v>9.434765919E9</v></c></row>' + TAIL)
    with pytest.raises(DocumentError, match="NHS number"):
        check_document("list.xlsx", scientific, door="contract")
    assert [(p.row, p.column) for p in screen(scientific)] == [(1, "1")]


def test_a_formula_is_read_as_its_saved_result_and_one_without_a_result_is_refused():
    saved = with_sheet(
        HEAD + b'<row r="1"><c r="A1" t="str"><f>"943476"&amp;"5919"</f><v>9434765919</v></c>'
        b"</row>" + TAIL
    )
    assert [(p.row, p.column) for p in screen(saved)] == [(1, "1")]
    unsaved = workbook([["ODS code", "Units"], ["A10001", '="943476"&"5919"']])
    with pytest.raises(UploadRefused, match=r"formula .* has no saved result"):
        check_workbook(unsaved)
    with pytest.raises(DocumentError, match="no saved result"):
        check_document("sums.xlsx", unsaved, door="contract")
    totals = with_sheet(HEAD + b'<row r="1"><c r="A1"><f>SUM(1,2)</f><v>3</v></c></row>' + TAIL)
    assert check_document("sums.xlsx", totals, door="contract")


def test_a_workbooks_hidden_sheets_are_read():
    book = openpyxl.Workbook()
    book.active.append(["Budget"])
    hidden = book.create_sheet("Workings")
    hidden.sheet_state = "hidden"
    hidden.append(["943 476 5919"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(DocumentError, match="NHS number"):
        check_document("budget.xlsx", out.getvalue(), door="contract")


@pytest.mark.django_db
def test_the_contacts_import_takes_drama_numbers_and_refuses_an_nhs_number(demo):
    from directory.models import Contact
    from directory.services import contacts_import
    from registry.importers.base import ImportFileError
    from registry.models import Federation

    federation = Federation.objects.get(slug="east-leicestershire-and-rutland-gp-federation")
    rows = ["organisation,name,role,email,phone"]
    rows += [f"C82001,Person {n},Manager,p{n}@x.org,{phone}" for n, phone in enumerate(
        ["+44 116 496 0008", "+44 (0)116 496 0016", "0116 496 0777", "01632 960123"]
    )]  # fmt: skip
    assert contacts_import(federation, "\n".join(rows).encode(), by=None)
    assert Contact.objects.filter(phone="+44 116 496 0008").exists()
    before = Contact.objects.count()
    with pytest.raises(ImportFileError, match="NHS number"):
        contacts_import(
            federation, (rows[0] + "\nC82001,Pat,Nurse,,943 476 5919").encode(), by=None
        )
    assert Contact.objects.count() == before


def test_a_pdf_comment_is_read_too():
    from pypdf import PdfWriter
    from pypdf.annotations import FreeText

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_annotation(0, FreeText(text="Seen 943 476 5919", rect=(50, 700, 300, 750)))
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(DocumentError, match="NHS number"):
        check_document("notes.pdf", out.getvalue(), door="event")
