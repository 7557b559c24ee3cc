"""What the registry announces for the areas above it to act on (it cannot call them: they
sit above it in the layer order, docs/adr/0007-layers.md)."""

from django.dispatch import Signal

# A federation asked a practice another federation holds to join it: ``consent`` (the
# MembershipConsent) and ``holders`` (the federations that hold it for those dates).
consent_asked = Signal()
