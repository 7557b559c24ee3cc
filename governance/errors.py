"""The governance area's refusal: a message a person can act on and the field it is about."""

from kernel.errors import DomainError


class GovernanceError(DomainError):
    """A change or a tally governance refuses, with the reason in words a person can act on."""


def refuse_nhs_numbers(**texts: str) -> None:
    """Refuse, naming the field, any text holding what looks like an NHS number: governance's
    minutes, registers and decisions are shown to members and kept for good, and gpfed holds
    no patient-identifiable data."""
    from kernel.uploads import MESSAGE, contains_nhs_number

    for field, text in texts.items():
        if text and contains_nhs_number(str(text)):
            raise GovernanceError(f"The text {MESSAGE.replace('the file', 'it')}", field=field)
