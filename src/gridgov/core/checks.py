"""gridgov's own `check --deploy` warnings (部署检查): what Django's deploy checks cannot know.

`--deploy` is run against the production environment (docs/security.md): there the secret key, the
audit key and the data key must come from the environment, not from the development defaults.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

from gridgov.devenv import DEVELOPMENT_SECRET_KEY  # what `gridgov demo` and the tests sign with

MIN_KEY_LENGTH = 32


@register(Tags.security, deploy=True)
def keys_from_the_environment(app_configs, **kwargs):
    found = []
    if settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        found.append(
            Warning(
                "SECRET_KEY is the development key: sessions and password resets can be forged.",
                hint="Set GRIDGOV_SECRET_KEY to a long random string (50+ characters).",
                id="gridgov.W001",
            )
        )
    for name, what, cid in (
        ("GRIDGOV_AUDIT_KEY", "the audit and case chains' HMAC key", "gridgov.W002"),
        ("GRIDGOV_DATA_KEY", "the personal-data encryption key", "gridgov.W003"),
    ):
        value = getattr(settings, name, "") or ""
        if not value:
            found.append(
                Warning(
                    f"{name} is unset: {what} is derived from SECRET_KEY, so whoever has one has both.",
                    hint=f"Set {name} to a long random string, kept apart from the database and "
                    f"its backups (core/keys.py). Changing it later needs a re-key.",
                    id=cid,
                )
            )
        elif len(value) < MIN_KEY_LENGTH:
            found.append(
                Warning(
                    f"{name} is shorter than {MIN_KEY_LENGTH} characters.",
                    hint="Use a long random string, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'.",
                    id=cid,
                )
            )
    if getattr(settings, "GRIDGOV_AUDIT_KEY", "") and getattr(settings, "GRIDGOV_AUDIT_KEY", "") == getattr(
        settings, "GRIDGOV_DATA_KEY", ""
    ):
        found.append(
            Warning(
                "GRIDGOV_AUDIT_KEY and GRIDGOV_DATA_KEY are the same key.",
                hint="Give each its own random string.",
                id="gridgov.W004",
            )
        )
    if not getattr(settings, "GRIDGOV_HTTPS", False):
        found.append(
            Warning(
                "GRIDGOV_HTTPS is off: passwords, tokens and session cookies would cross the network in clear.",
                hint="Serve the site over HTTPS and set GRIDGOV_HTTPS=1 (docs/security.md).",
                id="gridgov.W005",
            )
        )
    return found
