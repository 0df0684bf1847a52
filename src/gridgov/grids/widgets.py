"""The boundary editor of the grid admin (网格边界绘制): a map to draw or correct a polygon, kept as GeoJSON
in a hidden textarea. Leaflet and leaflet-geoman come from node_modules (settings.STATICFILES_DIRS)."""

from __future__ import annotations

from django import forms


class BoundaryWidget(forms.Textarea):
    """A map over a hidden textarea holding the grid's polygon as GeoJSON (WGS84). `context` is a GeoJSON
    FeatureCollection drawn in grey for orientation (the parent and the siblings), never edited."""

    template_name = "grids/boundary_widget.html"

    class Media:
        css = {"all": ("vendor/leaflet/leaflet.css", "vendor/geoman/leaflet-geoman.css", "grids/boundary-map.css")}
        js = ("vendor/leaflet/leaflet.js", "vendor/geoman/leaflet-geoman.min.js", "grids/boundary-map.js")

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.context_features: dict = {"type": "FeatureCollection", "features": []}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"]["map_context"] = self.context_features
        context["widget"]["map_context_id"] = f"{widget_id}_context"
        return context
