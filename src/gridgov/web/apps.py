from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "gridgov.web"
    label = "web"

    def ready(self) -> None:
        from gridgov.web import basemap  # noqa: F401  (registers the base layer's system check)
