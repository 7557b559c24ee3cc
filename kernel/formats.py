"""Money as text, from integer pence, with integer arithmetic (never a float); counts as words."""


def money_text(pence: int) -> str:
    """For people: 83908612 -> £839,086.12; a minus sign (U+2212) before the pound sign."""
    sign = "\u2212" if pence < 0 else ""
    pounds, pennies = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


def money_csv(pence: int) -> str:
    """For accounting software: -1234.50, no separators or symbol."""
    sign = "-" if pence < 0 else ""
    pounds, pennies = divmod(abs(int(pence)), 100)
    return f"{sign}{pounds}.{pennies:02d}"


def counted(number: int, noun: str, plural: str = "") -> str:
    """A count with its noun as a person writes it: 1 row, 2 rows, 1,204 practices, 1 person,
    3 people (``plural`` where adding an s is wrong)."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def rate_text(pounds) -> str:
    """A rate in pounds that may hold fractions of a penny, as a person writes money: to the
    penny (Decimal('7.4600') -> £7.46, 1234.5 -> £1,234.50), and past it only where the rate
    has more (Decimal('27.668') -> £27.668); a minus sign (U+2212) before the pound sign."""
    from decimal import Decimal

    value = Decimal(str(pounds))
    sign = "\u2212" if value < 0 else ""
    value = abs(value)
    places = max(2, -value.normalize().as_tuple().exponent)
    return f"{sign}£{value:,.{places}f}"


def field_required(label: str, kind: str = "text") -> str:
    """The message for a box left empty, naming it as the NHS.UK service manual asks ("Enter
    the period", "Choose the service"), rather than "This field is required." on its own.
    ``kind`` is ``text``, ``select``, ``radio``, ``tick`` or ``file``."""
    label = label.strip().rstrip(":")
    if not label:
        return "Answer this question"
    first = label.split(" ", 1)[0]
    named = label
    if first[:1].isupper() and not first[1:2].isupper():  # "Period", but "ODS code" stays
        named = first[:1].lower() + label[1:]
    if kind == "tick":
        return f"Tick “{label}” to go on"
    if kind == "radio":
        return f"Choose an answer for “{label}”"
    if kind == "file":
        return "Choose a file to upload"
    if kind == "select":
        return f"Choose the {named}"
    return f"Enter the {named}"
