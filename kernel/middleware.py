"""Answers every area shares, made once for all of them."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


class MethodNotAllowedPage:
    """A page for a 405. Django's ``require_POST`` and ``require_http_methods`` (and a class
    view's refusal) answer a method they do not take with an empty body: someone who follows
    or bookmarks the address of a form's button sees a blank page. Outside the JSON API
    (``/api/``, which answers in JSON itself), an empty 405 becomes a page that says the address
    is for a form's button and leads back; the status and the ``Allow`` header stay as they were."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 405
            or request.path_info.startswith("/api/")
            or getattr(response, "streaming", False)
            or response.content
        ):
            return response
        page = render(
            request,
            "405.html",
            {"back": _same_site_referer(request)},
            status=405,
        )
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


def _same_site_referer(request) -> str:
    """The page the person came from, when it is a page of this site, else nothing."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""
