"""The federating programme's progress as a chart drawn on the server (``registry.charts``):
member practices that had signed the membership agreement at each month's end. The page puts
the table of every measure beside it."""

from __future__ import annotations

from registry import charts


def progress_chart(progress: list[dict]) -> charts.Chart:
    return charts.line_chart(
        "Member practices that had signed the membership agreement, by month",
        [(f"{row['month']:%b %y}", row["signed"]) for row in progress],
    )
