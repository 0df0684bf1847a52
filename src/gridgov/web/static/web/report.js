/* The resident's report form (上报): a point on a small map or the phone's position, photos uploaded
   one by one with progress (report-form.js, shared with /m/report/), then one POST /api/v1/cases
   with an Idempotency-Key, so that a double click or a retry never files two cases.
   No language of its own: words come from #i18n. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("report-config").textContent);
  const T = JSON.parse(document.getElementById("i18n").textContent);
  const $ = (id) => document.getElementById(id);
  const form = $("report-form");
  const errorBox = $("form-error");
  const state = { point: null, uploads: [], pending: 0, key: null, categories: new Map() };

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  // the map and the phone's position, the category picker, the photos: shared with /m/report/
  const { fmt, check } = GridgovReportForm({ config, T, state, showError });

  // --- anonymous: hide and never send name and phone
  $("anonymous").addEventListener("change", (e) => { $("contact-fields").hidden = e.target.checked; });

  // --- submit
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const { ok, title, category } = check();
    if (!ok) return;
    const body = {
      title, description: $("description").value.trim(), lon: state.point.lon, lat: state.point.lat,
      crs: state.point.crs, photos: state.uploads, channel: "resident",
    };
    if (category) body.category = category;
    if (!$("anonymous").checked) {
      const name = $("reporter-name").value.trim(), phone = $("reporter-phone").value.trim();
      if (name || phone) body.reporter = { name, phone };
    }
    // One key per filled-in report: a retry of the same body replays the same case.
    state.key = state.key || (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    const button = $("submit");
    button.disabled = true;
    $("send-status").textContent = T.sending;
    showError("");
    fetch(config.cases, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": state.key },
      body: JSON.stringify(body),
    })
      .then((r) => r.json().catch(() => ({})).then((data) => ({ ok: r.ok, status: r.status, data })))
      .then(({ ok, status, data }) => {
        $("send-status").textContent = "";
        if (!ok) {
          if (status === 409) state.key = null;  // the body changed since the key was made
          showError(fmt(T.sendFailed, { detail: data.detail || status }));
          button.disabled = false;
          return;
        }
        $("r-number").textContent = data.number;
        $("r-code").textContent = data.tracking_code;
        $("r-grid").textContent = data.grid ? data.grid.name : "";
        $("track-link").href = config.track + "?number=" + encodeURIComponent(data.number);
        form.hidden = true;
        const receipt = $("receipt");
        receipt.hidden = false;
        receipt.focus();
      })
      .catch(() => {
        $("send-status").textContent = "";
        showError(fmt(T.sendFailed, { detail: T.network }));
        button.disabled = false;
      });
  });
  // Any change to the report after a failure is a new report: a new key.
  form.addEventListener("input", () => { if (!$("submit").disabled) state.key = null; });
})();
