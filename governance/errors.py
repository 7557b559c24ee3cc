"""The governance area's refusal: a message a person can act on and the field it is about."""

from kernel.errors import DomainError


class GovernanceError(DomainError):
    """A change or a tally governance refuses, with the reason in words a person can act on."""
