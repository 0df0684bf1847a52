import json

from django.core.management.base import BaseCommand

from gridgov.core import outbox


class Command(BaseCommand):
    help = "The outbox of follow-up work (发件箱): status, retry dead rows, or drain it here once."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="rows waiting, due, retrying and dead, per task")
        status.add_argument("--json", action="store_true")
        retry = sub.add_parser("retry", help="give dead rows another round now (attempts reset)")
        retry.add_argument("--task", help="only this task's rows")
        retry.add_argument("--id", type=int, action="append", dest="ids", help="only these rows (repeatable)")
        sub.add_parser("drain", help="run every due row in this process, then stop")

    def handle(self, *args, action, **options):
        if action == "status":
            state = outbox.status()
            if options["json"]:
                self.stdout.write(json.dumps(state, ensure_ascii=False))
                return
            self.stdout.write(
                f"waiting {state['waiting']} (due {state['due']}, retrying {state['retrying']}), "
                f"dead {state['dead']}; oldest waiting {state['oldest_waiting'] or '-'}"
            )
            for name, count in state["waiting_by_task"].items():
                self.stdout.write(f"  waiting {count:>7}  {name}")
            for name, count in state["dead_by_task"].items():
                self.stdout.write(f"  dead    {count:>7}  {name}")
        elif action == "retry":
            count = outbox.retry(ids=options["ids"], task=options["task"])
            self.stdout.write(f"{count} outbox rows queued again")
        else:
            result = outbox.drain_outbox()
            self.stdout.write(f"{result.done} rows done, {result.failed} failed (retried later), {result.dead} dead")
