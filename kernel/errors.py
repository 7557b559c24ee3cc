"""The one base of the refusals gpfed's services raise: a message a person can act on, and
the form field it is about (if any), which a form page shows the message on."""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
