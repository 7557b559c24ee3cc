"""The scenario file the modeller reads (docs/economics.md has the format and an example).

``scenario_read`` reads and checks the whole file before anything is worked out and raises
``ScenarioError`` for the first thing wrong, naming where it is as a path into the file
(``levels.pcn.fixed_per_year.high``). It writes nothing; it needs no database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from economics.engine import (
    BLOCK,
    DEFAULT_DRAWS,
    FEDERATION,
    INCOME,
    INCOME_BASES,
    LEVELS,
    OVERHEAD,
    PCN,
    PER_PATIENT,
    PER_UNIT,
    VOLUME,
    Value,
)
from kernel.dates import parse_day
from kernel.errors import DomainError

MOST_BYTES = 1024 * 1024
MOST_DRAWS = 1_000_000
MOST_SEED = 2**63 - 1
LARGEST = Decimal(1_000_000_000)  # no figure in a scenario is a billion or more
PLACES = 6  # decimal places a figure may have
MOST_TEXT = 200

REQUIRED = ("federation", "as_of", "unit", "levels")
OPTIONAL = ("volume_per_1000", "volume", "income_per_unit", "income", "draws", "seed")
# Either of each pair (the first is the older, shorter form).
CHOICES = (("volume_per_1000", "volume"), ("income_per_unit", "income"))
# How the volume is given (``Scenario.volume_basis``).
PER_1000, AGES, LAST_YEAR = "per_1000", "ages", "last_year"
MOST_AGE = 120
MOST_SCALE = Decimal(100)
RANGE = ("low", "mode", "high")
LEVEL_FIELDS = {level: ("fixed_per_year", "cost_per_unit") for level in LEVELS}
LEVEL_FIELDS[FEDERATION] = ("fixed_per_year", "cost_per_unit", "overhead_percent")
# Fields a level may leave out (0 when left out): a cost a year for each practice served.
LEVEL_OPTIONAL = {level: () for level in LEVELS}
LEVEL_OPTIONAL[PCN] = LEVEL_OPTIONAL[FEDERATION] = ("fixed_per_practice",)


class ScenarioError(DomainError):
    """A scenario the modeller cannot run. ``field`` is where the problem is, as a path into
    the file (``levels.pcn.fixed_per_year.high``, or ``federation`` for a slug that names no
    federation); the message starts with the same path."""

    def __init__(self, field: str | None, problem: str):
        super().__init__(f"{field}: {problem}" if field else problem, field)


@dataclass(frozen=True)
class Scenario:
    federation: str  # the federation's slug
    as_of: date
    unit: str
    values: dict[str, Value]  # by name in economics.engine.INPUTS, money in pounds
    draws: int = DEFAULT_DRAWS
    seed: int = 0
    income_basis: str = PER_UNIT  # per_unit, per_patient or block
    volume_basis: str = PER_1000  # per_1000, ages or last_year
    ages: tuple[int, int | None] | None = None  # from, to (None: and over), when by ages
    service: str | None = None  # the catalogue service's code, for last year's activity

    def path(self, name: str) -> str:
        """Where an input (a name in economics.engine.INPUTS) is in the file."""
        if name == INCOME and self.income_basis != PER_UNIT:
            return f"income.{self.income_basis}"
        if name == VOLUME and self.volume_basis == LAST_YEAR:
            return "volume.scale"
        if name == VOLUME and self.volume_basis == AGES:
            return "volume.per_1000"
        return name


def scenario_read(data: bytes | str) -> Scenario:
    """The scenario in a file's text, checked whole; ``ScenarioError`` for the first problem."""
    raw = _json(data)
    if not isinstance(raw, dict):
        raise ScenarioError(None, 'the file must hold one JSON object: {"federation": ...}')
    _keys(raw, "", REQUIRED, OPTIONAL)
    federation = _text(raw["federation"], "federation")
    try:
        as_of = parse_day(_text(raw["as_of"], "as_of"))
    except ValueError as error:
        raise ScenarioError("as_of", str(error)) from None
    unit = _text(raw["unit"], "unit")
    for old, new in CHOICES:
        if old in raw and new in raw:
            raise ScenarioError(new, f"give {old} or {new}, not both")
        if old not in raw and new not in raw:
            raise ScenarioError(new, f"missing (give {new}, or {old})")
    values: dict[str, Value] = {}
    volume = _volume(raw, values)
    income_basis = _income(raw, values)
    levels = _object(raw["levels"], "levels")
    _keys(levels, "levels", LEVELS, ())
    for level in LEVELS:
        path = f"levels.{level}"
        figures = _object(levels[level], path)
        _keys(figures, path, LEVEL_FIELDS[level], LEVEL_OPTIONAL[level])
        for name in (*LEVEL_FIELDS[level], *LEVEL_OPTIONAL[level]):
            field = f"{path}.{name}"
            most = Decimal(100) if field == OVERHEAD else LARGEST
            values[field] = _value(figures.get(name, 0), field, most=most)
    draws = _whole(raw.get("draws", DEFAULT_DRAWS), "draws", 1, MOST_DRAWS)
    seed = _whole(raw.get("seed", 0), "seed", 0, MOST_SEED)
    return Scenario(
        federation, as_of, unit, values, draws, seed, income_basis, volume[0], volume[1], volume[2]
    )


def _volume(raw: dict, values: dict) -> tuple[str, tuple[int, int | None] | None, str | None]:
    """The volume: ``volume_per_1000: R``, or ``volume: {"per_1000": R}`` (with ``"ages":
    {"from": A, "to": B}`` for a rate per 1,000 patients of those ages), or ``volume:
    {"last_year": SERVICE, "scale": R}`` (each practice's own last twelve months)."""
    if VOLUME in raw:
        values[VOLUME] = _value(raw[VOLUME], VOLUME)
        return PER_1000, None, None
    volume = _object(raw["volume"], "volume")
    if "last_year" in volume:
        _keys(volume, "volume", ("last_year",), ("scale",))
        service = _text(volume["last_year"], "volume.last_year")
        scale = volume.get("scale", 1)
        values[VOLUME] = _value(scale, "volume.scale", most=MOST_SCALE)
        return LAST_YEAR, None, service
    _keys(volume, "volume", ("per_1000",), ("ages",))
    values[VOLUME] = _value(volume["per_1000"], "volume.per_1000")
    if "ages" not in volume:
        return PER_1000, None, None
    ages = _object(volume["ages"], "volume.ages")
    _keys(ages, "volume.ages", ("from",), ("to",))
    start = _whole(ages["from"], "volume.ages.from", 0, MOST_AGE)
    end = ages.get("to")
    if end is not None:
        end = _whole(end, "volume.ages.to", 0, MOST_AGE)
        if end < start:
            raise ScenarioError("volume.ages.to", f"the age {end} is below the from age {start}")
    return AGES, (start, end), None


def _income(raw: dict, values: dict) -> str:
    """The income: ``income_per_unit: R``, or ``income: {"per_unit": R} | {"per_patient": R} |
    {"block": R}`` (pounds a unit, a registered patient a year, or a year for them all)."""
    if INCOME in raw:
        values[INCOME] = _value(raw[INCOME], INCOME)
        return PER_UNIT
    income = _object(raw["income"], "income")
    given = [basis for basis in INCOME_BASES if basis in income]
    if len(income) != 1 or len(given) != 1:
        raise ScenarioError(
            "income",
            f"give one of {PER_UNIT}, {PER_PATIENT} or {BLOCK} "
            f'(for example {{"{PER_PATIENT}": 1.25}})',
        )
    basis = given[0]
    values[INCOME] = _value(income[basis], f"income.{basis}")
    return basis


def _json(data: bytes | str):
    if isinstance(data, bytes):
        if len(data) > MOST_BYTES:
            raise ScenarioError(None, f"the file is larger than {MOST_BYTES // 1024:,} KB")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ScenarioError(None, "the file is not UTF-8 text") from None
    if not data.strip():
        raise ScenarioError(None, "the file is empty")
    try:
        return json.loads(
            data,
            parse_float=Decimal,
            parse_constant=_not_a_number,
            object_pairs_hook=_no_repeats,
        )
    except ScenarioError:
        raise
    except ValueError as error:  # JSONDecodeError, or an integer too long to read
        raise ScenarioError(None, f"the file is not JSON: {error}") from None
    except RecursionError:  # lists or objects nested thousands deep
        raise ScenarioError(
            None, "the file is not a scenario: its lists or objects nest too deeply"
        ) from None


def _not_a_number(name: str):
    raise ScenarioError(None, f"{name} is not a number a scenario can hold")


def _no_repeats(pairs: list[tuple[str, object]]) -> dict:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise ScenarioError(None, f"{_shown(key)} appears twice in one object")
        seen[key] = value
    return seen


def _short(text: str) -> str:
    text = str(text)
    return text if len(text) <= 40 else text[:40] + "..."


def _shown(text: str) -> str:
    return repr(_short(text))


def _kind(raw) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return f"the text {_shown(raw)}"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, dict):
        return "an object"
    return str(raw)


def _object(raw, path: str) -> dict:
    if not isinstance(raw, dict):
        raise ScenarioError(path, f"expected an object, not {_kind(raw)}")
    return raw


def _keys(raw: dict, path: str, required, optional) -> None:
    def at(key: str) -> str:
        return f"{path}.{key}" if path else key

    expected = ", ".join((*required, *optional))
    for key in raw:
        if key not in required and key not in optional:
            raise ScenarioError(at(_short(key)), f"not a field here (expected {expected})")
    for key in required:
        if key not in raw:
            raise ScenarioError(at(key), "missing")


def _text(raw, path: str) -> str:
    if not isinstance(raw, str):
        raise ScenarioError(path, f"expected text, not {_kind(raw)}")
    text = raw.strip()
    if not text:
        raise ScenarioError(path, "is empty")
    if len(text) > MOST_TEXT:
        raise ScenarioError(path, f"is longer than {MOST_TEXT} characters")
    if any(c in text for c in "\r\n\t\x00"):
        raise ScenarioError(path, "must be on one line")
    return text


def _number(raw, path: str, most: Decimal) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal):
        raise ScenarioError(path, f"expected a number, not {_kind(raw)}")
    number = Decimal(raw)
    if number < 0:
        raise ScenarioError(path, "is negative (every figure is 0 or more)")
    if number > most:
        raise ScenarioError(path, f"is more than {most:,}")
    if number != 0 and (  # adjusted() first: normalize() rounds 1e-999999999 to 0
        number.adjusted() < -PLACES or number.normalize().as_tuple().exponent < -PLACES
    ):
        raise ScenarioError(path, f"{number} has more than {PLACES} decimal places")
    return number


def _value(raw, path: str, most: Decimal = LARGEST) -> Value:
    """A number, or a range ``{"low": x, "mode": y, "high": z}``."""
    if isinstance(raw, dict):
        _keys(raw, path, RANGE, ())
        low, mode, high = (_number(raw[end], f"{path}.{end}", most) for end in RANGE)
        if mode < low:
            raise ScenarioError(
                f"{path}.mode", f"the most likely value {mode} is below the low {low}"
            )
        if high < mode:
            raise ScenarioError(
                f"{path}.high", f"the high {high} is below the most likely value {mode}"
            )
        return Value(low, mode, high)
    if not isinstance(raw, int | Decimal) or isinstance(raw, bool):
        raise ScenarioError(
            path, f'expected a number or {{"low": ..., "mode": ..., "high": ...}}, not {_kind(raw)}'
        )
    return Value.certain(_number(raw, path, most))


def _whole(raw, path: str, least: int, most: int) -> int:
    whole = isinstance(raw, int) or (isinstance(raw, Decimal) and raw == raw.to_integral_value())
    if isinstance(raw, bool) or not whole:
        raise ScenarioError(path, f"expected a whole number, not {_kind(raw)}")
    if not least <= raw <= most:
        raise ScenarioError(path, f"{raw} is not between {least:,} and {most:,}")
    return int(raw)
