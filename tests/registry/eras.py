"""Real-format files for every era, made from the shipped cuts of the real publications by
changing exactly what the later (or earlier) publication changed."""

import csv
import io

from demo.loader import DATA


def read(prefix: str) -> str:
    return sorted(DATA.glob(f"{prefix}*"))[0].read_text(encoding="utf-8")


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def to_csv(rows, quote_all=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


STATUS_WORDS = {"A": "ACTIVE", "C": "INACTIVE", "D": "DORMANT", "P": "PROPOSED"}


def epraccur_data_search_export() -> bytes:
    """The ODS Data Search & Export epraccur: status words, role RO76 for a GP practice in field
    26 (other organisations keep another role), town in field 8 and field 9 blank."""
    rows = []
    for row in rows_of(read("epraccur")):
        row = list(row)
        row[12] = STATUS_WORDS[row[12]]
        row[25] = "RO76" if row[25] == "4" else "RO177"
        town = row[6]
        row[6], row[7], row[8] = "", town, ""
        rows.append(row)
    return to_csv(rows, quote_all=True)


def patients_sub_icb_era(date_text: str = "2026-04-01") -> bytes:
    """gp-reg-pat-prac-all after July 2022 (SUB_ICB_LOCATION columns), dated as in 2026."""
    rows = rows_of(read("gp-reg-pat-prac-all"))
    header = [
        {"CCG_CODE": "SUB_ICB_LOCATION_CODE", "ONS_CCG_CODE": "ONS_SUB_ICB_LOCATION_CODE"}.get(h, h)
        for h in rows[0]
    ]
    body = []
    for row in rows[1:]:
        row = list(row)
        row[1] = date_text
        row[-1] = str(int(row[-1]) + 100)
        body.append(row)
    return to_csv([header, *body])


def quin_age(date_text: str = "01Jan2022", practices: int = 3) -> bytes:
    """A five-year age band file (no all-ages row) for the first few practices of the cut,
    splitting each practice's real list across bands and sexes."""
    rows = rows_of(read("gp-reg-pat-prac-all"))[1 : practices + 1]
    out = [
        [
            "PUBLICATION",
            "EXTRACT_DATE",
            "TYPE",
            "CCG_CODE",
            "ONS_CCG_CODE",
            "ORG_CODE",
            "POSTCODE",
            "SEX",
            "AGE_GROUP_5",
            "NUMBER_OF_PATIENTS",
        ]
    ]
    bands = [f"{low}_{low + 4}" for low in range(0, 95, 5)] + ["95+"]
    for row in rows:
        total = int(row[-1])
        per = total // (2 * len(bands))
        for sex in ("FEMALE", "MALE"):
            for band in bands:
                out.append(
                    [row[0], date_text, "GP", row[3], row[4], row[5], row[6], sex, band, per]
                )
    return to_csv(out)


def sing_age(date_text: str = "01-Apr-26", practices: int = 2) -> bytes:
    rows = rows_of(read("gp-reg-pat-prac-all"))[1 : practices + 1]
    out = [
        [
            "PUBLICATION",
            "EXTRACT_DATE",
            "TYPE",
            "SUB_ICB_LOCATION_CODE",
            "ONS_SUB_ICB_LOCATION_CODE",
            "ORG_CODE",
            "POSTCODE",
            "SEX",
            "AGE",
            "NUMBER_OF_PATIENTS",
        ]
    ]
    ages = [str(a) for a in range(95)] + ["95+"]
    for row in rows:
        out.append([row[0], date_text, "GP", row[3], row[4], row[5], row[6], "ALL", "ALL", 9600])
        for sex in ("FEMALE", "MALE"):
            for age in ages:
                out.append([row[0], date_text, "GP", row[3], row[4], row[5], row[6], sex, age, 50])
    return to_csv(out)


def patients_map_sub_icb_era(
    date_text: str = "01-Apr-26", moves: dict | None = None, only: set | None = None
) -> bytes:
    """gp-reg-pat-prac-map after July 2022: SUB_ICB_LOCATION and ICB columns, dates like
    01-Apr-26. ``moves`` maps practice code -> (PCN code, PCN name); ``only`` keeps those
    practices' rows."""
    rows = rows_of(read("gp-reg-pat-prac-map"))
    rename = {
        "CCG_CODE": "SUB_ICB_LOCATION_CODE",
        "ONS_CCG_CODE": "ONS_SUB_ICB_LOCATION_CODE",
        "CCG_NAME": "SUB_ICB_LOCATION_NAME",
        "STP_CODE": "ICB_CODE",
        "ONS_STP_CODE": "ONS_ICB_CODE",
        "STP_NAME": "ICB_NAME",
    }
    header = [rename.get(h, h) for h in rows[0]]
    body = []
    for row in rows[1:]:
        row = list(row)
        if only and row[2] not in only:
            continue
        row[1] = date_text
        if moves and row[2] in moves:
            row[5], row[6] = moves[row[2]]
        body.append(row)
    return to_csv([header, *body])
