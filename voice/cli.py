"""The members' voice's ``gpfed`` subcommand: ``consultations results ID`` prints a
consultation's results as the results page's CSV download gives them (or as JSON), recorded in
the owner's audit trail as that download is; ``consultations list`` names the consultations of a
federation or network, to find the ID."""

from __future__ import annotations

from kernel.cli import FORMATS, BadInput, Parser, acting_user, print_json, print_rows
from registry.selectors import federation_by_slug, network_by_slug
from voice import access, rollup, selectors
from voice.models import Consultation
from voice.services import results_export


def register(commands) -> None:
    p = commands.add_parser("consultations", help="members' consultations: list, results")
    actions = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    listed = actions.add_parser("list", help="a federation's or a network's consultations")
    owner = listed.add_mutually_exclusive_group(required=True)
    owner.add_argument("--federation", metavar="SLUG")
    owner.add_argument("--network", metavar="SLUG")
    listed.add_argument("--format", choices=FORMATS, default="text")
    listed.set_defaults(handler=cmd_list)
    results = actions.add_parser(
        "results", help="a consultation's results as CSV or JSON (each export is audited)"
    )
    results.add_argument("consultation", type=int, metavar="ID")
    results.add_argument("--format", choices=["csv", "json"], default="csv")
    results.set_defaults(handler=cmd_results)


def _owner(args, by):
    """The federation or network named, if this person may open its consultations' page (the
    pages' rule, ``access.is_member``: a federation's own people; a network's administrators
    and its member federations' people)."""
    if args.federation:
        owner, slug = federation_by_slug(args.federation), args.federation
    else:
        owner, slug = network_by_slug(args.network), args.network
    if owner is not None and by is not None and not access.is_member(by, owner):
        owner = None
    if owner is None:
        kind = "federation" if args.federation else "network"
        raise BadInput(f"there is no {kind} {slug}")  # ADR 0011: as if not there
    return owner


def cmd_list(args) -> int:
    by = acting_user(args.by)
    owner = _owner(args, by)
    run = by is None or access.can_run(by, owner)
    rows = [
        {
            "id": c.pk,
            "title": c.title,
            "status": selectors.status_of(c),
            "opens_on": c.opens_on,
            "closes_on": c.closes_on,
            "responses": len(c.responses.all()),
        }
        for c in selectors.consultations_of(owner)
        if run or not c.is_draft  # as the page lists them: drafts only to those who run them
    ]
    if args.format == "json":
        print_json(rows)
        return 0
    print(f"{owner}: {len(rows)} consultation{'' if len(rows) == 1 else 's'}")
    for row in rows:
        print(
            f"  {row['id']:>5}  {row['title'][:50]:50s} {row['status']:<17} "
            f"closes {row['closes_on']:%-d %b %Y}, {row['responses']} answered"
        )
    return 0


def cmd_results(args) -> int:
    """As the results page: those who run the consultation, and once its outcome is published
    the owner's people. Someone who may open the consultation (asked to answer) but not yet
    its results is told they come with the outcome; anyone else, that there is no such
    consultation (ADR 0011), in the same words as for a number that is no consultation."""
    by = acting_user(args.by)
    consultation = (
        Consultation.objects.select_related("federation", "network")
        .filter(pk=args.consultation)
        .first()
    )
    if consultation is None or (
        by is not None
        and not access.can_open(by, consultation, selectors.audience_of(consultation))
    ):
        raise BadInput(f"there is no consultation {args.consultation}")
    if by is not None and not access.can_see_results(by, consultation):
        raise BadInput(
            f"the results of consultation {consultation.pk} are shown once its outcome is published"
        )
    results = results_export(consultation, by=by, form=args.format)
    rows = rollup.csv_rows(results)
    if args.format == "json":
        print_json(
            {
                "consultation": consultation.pk,
                "title": consultation.title,
                "responses": results.overall.responses,
                "rows": [dict(zip(rollup.CSV_HEADER, row, strict=True)) for row in rows],
            }
        )
    else:
        print_rows(rollup.CSV_HEADER, rows, "csv")
    return 0
