/* The grid admin's boundary editor: edits one grid's polygon on a map and keeps it, as GeoJSON, in the
   hidden textarea the form submits. Only an edit writes the textarea, so an untouched map saves nothing. */
(function () {
  "use strict";

  function geometryOf(group) {
    var polygons = [];
    group.eachLayer(function (layer) {
      var geometry = layer.toGeoJSON(false).geometry;
      if (geometry.type === "Polygon") polygons.push(geometry.coordinates);
      else if (geometry.type === "MultiPolygon") polygons.push.apply(polygons, geometry.coordinates);
    });
    if (polygons.length === 0) return "";
    if (polygons.length === 1) return JSON.stringify({type: "Polygon", coordinates: polygons[0]});
    return JSON.stringify({type: "MultiPolygon", coordinates: polygons});
  }

  function init(editor) {
    var textarea = document.getElementById(editor.dataset.for);
    var context = JSON.parse(document.getElementById(editor.dataset.context).textContent);
    var map = L.map(editor.querySelector(".grid-boundary-map"), {attributionControl: false});
    var around = L.geoJSON(context, {
      pmIgnore: true, interactive: false,
      style: {color: "#777", weight: 1, dashArray: "4 4", fill: false}
    }).addTo(map);
    var shapes = L.featureGroup().addTo(map);
    function write() {
      textarea.value = geometryOf(shapes);
      textarea.dispatchEvent(new Event("change"));
    }
    function watch(layer) {
      layer.on("pm:edit pm:dragend", write);
    }
    if (textarea.value.trim()) {
      L.geoJSON(JSON.parse(textarea.value), {style: {color: "#c0392b", weight: 2}}).eachLayer(function (layer) {
        shapes.addLayer(layer);
        watch(layer);
      });
    }
    var bounds = shapes.getLayers().length ? shapes.getBounds() : around.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.15));
    else map.setView([34.75, 113.62], 12);
    map.pm.setLang("zh");
    map.pm.addControls({
      position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
      drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false
    });
    map.on("pm:create", function (event) {
      map.removeLayer(event.layer);
      shapes.addLayer(event.layer);
      watch(event.layer);
      write();
    });
    map.on("pm:remove", function (event) {
      shapes.removeLayer(event.layer);
      write();
    });
    editor.gridMap = map;  // for the browser test and for anyone scripting the page
  }

  function start() {
    document.querySelectorAll(".grid-boundary-editor").forEach(init);
  }
  // the admin loads form media in the head, before the form exists
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
