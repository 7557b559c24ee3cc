"""The ``gpfed worker`` subcommands: ``worker recover`` gives back the tasks of task workers that
died (each live worker does the same every heartbeat; this is the operator's door to it), and
``worker recover --dry-run`` lists them and changes nothing. gpfed.health does the work;
docs/operations.md, "Several machines", says when to use it."""

from __future__ import annotations

from gpfed.health.selectors import tasks_of_dead_workers
from gpfed.health.services import worker_tasks_recover
from kernel.cli import FORMATS, Parser, acting_user, print_json
from kernel.formats import counted


def register(commands) -> None:
    p = commands.add_parser("worker", help="the task workers")
    actions = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    r = actions.add_parser(
        "recover",
        help="give back to the queue the tasks of workers that died while running them",
    )
    r.add_argument(
        "--dry-run", action="store_true", help="only list the tasks that would be given back"
    )
    r.add_argument("--format", choices=FORMATS, default="text")
    r.set_defaults(handler=cmd_recover)


def _line(item: dict) -> str:
    return (
        f"task {item['task_result_id']} ({item['task_path']}), run {item['run']}, "
        f"worker {item['worker_id']}: {item['why']}"
    )


def cmd_recover(args) -> int:
    if args.dry_run:
        found = [
            {
                "task_result_id": t.task_result_id,
                "task_path": t.task_path,
                "run": t.run,
                "worker_id": t.worker_id,
                "started_at": t.started_at,
                "why": t.why,
            }
            for t in tasks_of_dead_workers()
        ]
        if args.format == "json":
            print_json({"dead_worker_tasks": found})
            return 0
        print(f"{counted(len(found), 'task')} of dead workers (nothing changed)")
        for item in found:
            print(f"  {_line(item)}")
        return 0
    done = worker_tasks_recover(by=acting_user(args.by))
    if args.format == "json":
        print_json(done)
        return 0
    print(
        f"gave back {counted(len(done['requeued']), 'task')}, "
        f"failed {counted(len(done['failed']), 'task')}"
    )
    for outcome, label in (("requeued", "given back"), ("failed", "failed")):
        for item in done[outcome]:
            print(f"  {label}: {_line(item)}")
    return 0
