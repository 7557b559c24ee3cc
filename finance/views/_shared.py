"""What every finance page shares: the federation it is about (and whether the person may
manage its money), the form page with finance's refusals, a practice-or-PCN code as a
service's keyword, and a month from the address."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import permissions as perms
from finance.inputs import parse_month
from finance.services import FinanceError
from kernel.pages import form_page, refuse
from registry.models import PCN, Federation


def _federation(request, slug: str, *, manage: bool = False) -> Federation:
    federation = get_object_or_404(perms.finance_federations(request.user), slug=slug)
    if manage:
        perms.require(perms.can_manage_finance(request.user, federation))
    return federation


def _error(form, error: FinanceError) -> None:
    refuse(form, error)


def _form_page(request, form, *, save, done, title: str, button: str, **context):
    return form_page(
        request,
        form,
        save=save,
        done=done,
        title=title,
        button=button,
        errors=FinanceError,
        template="finance/form.html",
        **context,
    )


def _organisation(organisation) -> dict:
    """A cleaned practice-or-PCN code as the keyword a service takes."""
    return {"pcn": organisation} if isinstance(organisation, PCN) else {"practice": organisation}


def _month(text: str) -> date:
    try:
        return parse_month(text)
    except ValueError:
        raise Http404("No such month") from None
