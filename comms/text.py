"""Bulletin bodies: Markdown rendered to HTML and sanitised, and a plain-text part."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
TAGS = {
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip


def to_html(markdown: str, images: dict[str, str] | None = None) -> str:
    """Safe HTML: raw HTML in the source is not passed through, and what Markdown makes is
    cleaned against a short list of tags (links get rel="noopener noreferrer").

    An image is shown only if it is one of the bulletin's own files, written as
    ``![What it shows](file-name.png)``: ``images`` maps each file name to where it is served
    from (a gpfed address on the page, ``cid:`` in an email). Any other image source is
    dropped, so a bulletin can never load a picture from elsewhere (or track who opened it)."""
    images = images or {}

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return images.get(value)
        return value

    return nh3.clean(
        _markdown.render(markdown),
        tags=TAGS | {"img"},
        attributes={"a": {"href", "title"}, "img": {"src", "alt"}},
        attribute_filter=keep,
        url_schemes={"https", "http", "mailto", "cid"},
        link_rel="noopener noreferrer",
    )
