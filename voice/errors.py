"""The members' voice area's refusal: a message a person can act on and the field it is about."""

from kernel.errors import DomainError


class VoiceError(DomainError):
    """A change to a consultation or the federating programme that is refused, with the reason
    in words a person can act on."""
