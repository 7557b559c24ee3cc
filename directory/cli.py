"""The directory's ``gpfed`` subcommand: ``directory`` (a network's member federations)."""

from __future__ import annotations

import sys
from datetime import date

from accounts import permissions as perms
from directory.selectors import member_rows, members_as_dicts
from kernel.cli import BadInput, acting_user, print_json
from kernel.exports import SafeWriter
from registry.selectors import extracts_text, network_by_slug

MEMBER_COLUMNS = [
    "federation",
    "joined",
    "practices",
    "pcns",
    "registered_patients",
    "regions",
    "icbs",
    "list_size_extracts",
]


def register(commands) -> None:
    p = commands.add_parser(
        "directory", help="a network's member federations: practices, population, contacts"
    )
    p.add_argument("network", help="the network's slug")
    p.add_argument("--search", default="", help="a federation, or a practice or PCN it includes")
    p.add_argument("--region", default="", help="an NHS England region code, e.g. Y60")
    p.add_argument("--icb", default="", help="an ICB code, e.g. QK1")
    p.add_argument("--sort", choices=["name", "population", "practices", "joined"], default="name")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.set_defaults(handler=cmd_directory)


def cmd_directory(args) -> int:
    network = network_by_slug(args.network)
    if network is None:
        raise BadInput(f"there is no network {args.network}")
    by = acting_user(args.by)
    if by is not None and not perms.can_read_registry(by):
        raise BadInput(f"{by.email} has no role that may read the directory")
    rows = member_rows(
        network,
        q=args.search,
        region=args.region.upper(),
        icb=args.icb.upper(),
        sort=args.sort,
    )
    # An operator at the command line sees the contacts; --by shows what that person would.
    members = members_as_dicts(rows, contacts=by is None or perms.is_network_member(by, network))
    if args.format == "json":
        print_json({"network": network.slug, "members": members})
        return 0
    if args.format == "csv":  # the members' figures: no contacts, so no contacts export
        writer = SafeWriter(sys.stdout)
        writer.writerow(MEMBER_COLUMNS)
        for m in members:
            writer.writerow(
                [
                    m["name"],
                    m["joined"],
                    m["practices"],
                    m["pcns"],
                    m["registered_patients"],
                    "; ".join(r["name"] for r in m["regions"]),
                    "; ".join(i["name"] for i in m["icbs"]),
                    "; ".join(m["list_size_extract_dates"]),
                ]
            )
        return 0
    print(f"{network.name}: {len(members)} members")
    for m in members:
        extracts = extracts_text(date.fromisoformat(d) for d in m["list_size_extract_dates"])
        print(
            f"  {m['name']}: {m['practices']} practices, {m['pcns']} PCNs, "
            f"{m['registered_patients']:,} patients{f' ({extracts})' if extracts else ''}, "
            f"joined {m['joined']}"
        )
        for c in m["contacts"] or []:
            print(f"      {c['name']}, {c['role']}: {c['email'] or c['phone']}")
    return 0
