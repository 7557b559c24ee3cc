"""The bids area's refusal: a message a person can act on and the field it is about."""

from kernel.errors import DomainError


class BidsError(DomainError):
    """A change to the bids pipeline refused, with the reason in words a person can act on."""
