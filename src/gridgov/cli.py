"""The `gridgov` console command: Django's management commands under the product's name.

`gridgov demo`, `gridgov grids …`, `gridgov bench …` and also `gridgov migrate`, `gridgov shell`.
The demo and the bench declare a development environment (gridgov.devenv); every other command runs
with the production settings, which refuse to start without GRIDGOV_SECRET_KEY (docs/deploy.md).
"""

import os
import sys

from gridgov.devenv import DEMO_COMMANDS, declare_development


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    if args and args[0] in DEMO_COMMANDS:
        declare_development()
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  read the settings now: a refusal is its message, not a traceback
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"gridgov: {exc}\n")
        sys.exit(2)
    execute_from_command_line(["gridgov", *args])


if __name__ == "__main__":
    # Run as a file (python src/gridgov/cli.py), Python puts src/gridgov/ first on sys.path, where gridgov/http
    # would shadow the standard library's http: drop it (gridgov itself is imported from its install).
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    main()
