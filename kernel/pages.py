"""The shape every form page shares."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.shortcuts import redirect, render


def refuse(form, error) -> None:
    """Show a service's refusal (an exception with ``message`` and ``field``) on the form:
    on the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def form_page(
    request,
    form,
    *,
    save,
    done,
    title: str,
    errors: type[Exception] | tuple[type[Exception], ...],
    template: str = "form.html",
    button: str = "Save",
    **context,
):
    """On a valid POST, save through a service and go on with a success message (``done``
    maps what was saved to the message and where to go); otherwise, or when the service
    refuses with one of ``errors``, show the form with its errors."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except errors as error:
            refuse(form, error)
        else:
            message, target = done(saved)
            messages.success(request, message)
            return redirect(target)
    return render(request, template, {"form": form, "title": title, "button": button, **context})


class BadQuery(BadRequest):
    """A value in a page's web address that the page cannot use: the 400 page says why."""


def query_value(request, name: str, parse, default=None):
    """The query parameter ``name`` as ``parse`` (one of ``kernel.dates``' parsers) reads it,
    or ``default`` when it is absent or empty. A value ``parse`` refuses answers 400 with its
    reason, never a page for some other value."""
    text = request.GET.get(name, "")
    if not text:
        return default
    try:
        return parse(text)
    except ValueError as error:
        raise BadQuery(f"{name}: {error}") from None


def bad_request(request, exception):
    """The 400 page (``handler400``): the reason for a BadQuery, a plain page otherwise (the
    message of Django's own refusals is not for the person reading)."""
    reason = str(exception) if isinstance(exception, BadQuery) else ""
    return render(request, "400.html", {"reason": reason}, status=400)
