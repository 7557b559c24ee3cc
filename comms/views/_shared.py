"""What the bulletin, event and library pages share: the federation or network a person
sends, organises or keeps a library for, named in the address, and its kind there."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import permissions as perms
from registry.models import Federation, Network


def _sender(request, kind: str, slug: str):
    model = {"federations": Federation, "networks": Network}.get(kind)
    if model is None:
        raise Http404("No such sender")
    sender = get_object_or_404(model, slug=slug)
    if not perms.can_send_bulletins(request.user, sender):
        raise Http404("No such sender")
    return sender


def _kind(sender) -> str:
    return "networks" if isinstance(sender, Network) else "federations"
