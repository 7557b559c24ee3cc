"""Bulletin bodies: Markdown rendered to HTML and sanitised, and a plain-text part."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
TAGS = {
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip


def to_html(markdown: str) -> str:
    """Safe HTML: raw HTML in the source is not passed through, and what Markdown makes is
    cleaned against a short list of tags (links get rel="noopener noreferrer")."""
    return nh3.clean(
        _markdown.render(markdown),
        tags=TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer",
    )
