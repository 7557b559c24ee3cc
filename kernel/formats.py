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
