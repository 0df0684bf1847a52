from django.core.management.base import BaseCommand

from gridgov.cases.retention import erase_expired_contacts, retention_days


class Command(BaseCommand):
    help = "Personal data: `gridgov privacy erase-expired` erases reporters' contact data past the retention period."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("erase-expired", help="erase reporters' names and phones of cases finished long enough ago")

    def handle(self, *args, action, **options):
        erased = erase_expired_contacts()
        self.stdout.write(f"{erased} cases' reporter contact data erased (kept {retention_days()} days after closure)")
