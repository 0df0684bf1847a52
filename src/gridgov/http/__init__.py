"""The HTTP API's root (/api/v1/): token auth (`auth`), the shared error schemas (`problems`), the NinjaAPI
that mounts every app's routers (`api`) and the rate-limit middleware (`ratelimit`, which tells staff by
their tokens). A plain package, not a Django app: it has no models.

Layers: `auth` and `problems` sit low (they import only `core` and `people`), so that each app's `api.py` may
import them; `api` sits on top and finds the apps' routers through INSTALLED_APPS, never by importing them
by name. Imports are absolute (`gridgov.http`), so the name does not shadow the standard library's `http`.
"""
