"""Cut the demo files from the full NHS publications (maintainers run this; the cuts are
committed in demo/data so the demo needs nothing outside the project).

    python demo/make_cuts.py ../shared/data/nhs

Keeps every row about sub-ICB location 03W (East Leicestershire and Rutland) and its PCNs,
unmodified, in each publication's own format. The demo network's other members come from four
small sub-ICB locations in four regions, cut the same way into demo/data/network.
"""

import csv
import io
import sys
from pathlib import Path

import openpyxl

SUB_ICB = "03W"
OUT = Path(__file__).parent / "data"
# Stafford and Surrounds (Midlands), West Lancashire (North West), Vale of York (North East and
# Yorkshire), Southend (East of England).
NETWORK_SUB_ICBS = ("05V", "02G", "03Q", "99G")


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_bytes("".join(lines).encode("utf-8"))


def main(source: Path) -> None:
    cut(source, {SUB_ICB}, OUT, SUB_ICB)
    cut(source, set(NETWORK_SUB_ICBS), OUT / "network", "network")


def cut(source: Path, sub_icbs: set[str], out: Path, tag: str) -> None:
    out.mkdir(exist_ok=True)
    # The practices 03W commissions, their PCNs, and the other practices of those PCNs (a PCN
    # may cross a sub-ICB boundary), so that every reference in the cut resolves.
    lines = (source / "epraccur-2025-09.csv").read_text(encoding="utf-8").splitlines(True)
    local = {
        next(csv.reader([line]))[0] for line in lines if next(csv.reader([line]))[14] in sub_icbs
    }
    wb = openpyxl.load_workbook(source / "ePCN-2024-10.xlsx", read_only=True)
    details = list(wb["PCNDetails"].iter_rows(values_only=True))
    partners = list(wb["PCN Core Partner Details"].iter_rows(values_only=True))
    pcns = {r[0] for r in details[1:] if r[2] in sub_icbs}
    pcns |= {r[4] for r in partners[1:] if r[0] in local}
    practices = local | {r[0] for r in partners[1:] if r[4] in pcns}

    # epraccur: those organisations' lines, byte for byte.
    kept = [line for line in lines if next(csv.reader([line]))[0] in practices]
    write_lines(out / f"epraccur-{tag}-2025-09.csv", kept)

    # ePCN: those PCNs and their partner rows.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "PCNDetails"
    for row in [details[0], *[r for r in details[1:] if r[0] in pcns]]:
        sheet.append(row)
    sheet = book.create_sheet("PCN Core Partner Details")
    for row in [partners[0], *[r for r in partners[1:] if r[4] in pcns]]:
        sheet.append(row)
    book.save(out / f"ePCN-{tag}-2024-10.xlsx")

    # Patients registered (January 2021 and April 2026) and the two mapping files: rows of
    # those practices.
    for name, column in (
        ("gp-reg-pat-prac-all-2021-01.csv", "CODE"),
        ("gp-reg-pat-prac-all-2026-04.csv", "CODE"),
        ("gp-reg-pat-prac-map-2022-01.csv", "PRACTICE_CODE"),
        ("gpad-mapping-2025-08.csv", "GP_CODE"),
    ):
        lines = (source / name).read_text(encoding="utf-8").splitlines(True)
        header = next(csv.reader([lines[0]]))
        index = header.index(column)
        kept = [lines[0]] + [
            line for line in lines[1:] if next(csv.reader(io.StringIO(line)))[index] in practices
        ]
        write_lines(out / name.replace("-20", f"-{tag}-20", 1), kept)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/nhs"))
