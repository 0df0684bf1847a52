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
  const state = { point: null, uploads: [], pending: 0, key: null, categories: new Map(), follow: null };

  // A refusal shows where the person is looking: scrolled into view and focused (role=alert reads it
  // out), whether the form's own check or the server said no; the field at fault is marked invalid.
  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
    if (!text) return;
    errorBox.scrollIntoView({ block: "center" });
    errorBox.focus({ preventScroll: true });
  }

  // the map and the phone's position, the category picker, the photos: shared with /m/report/
  const { fmt, check } = GridgovReportForm({ config, T, state, showError });

  // --- anonymous: hide and never send name and phone
  $("anonymous").addEventListener("change", (e) => { $("contact-fields").hidden = e.target.checked; });

  // --- 重复件: open cases nearby that say the same, asked once the title and the place are known; the
  // resident may follow one (the report is then merged into it) instead of filing the same problem again
  const dupBox = $("dup-box"), dupList = $("dup-list"), dupFollowing = $("dup-following");
  let dupAsked = "";
  function showFollowing() {
    dupFollowing.hidden = !state.follow;
    dupFollowing.textContent = state.follow ? fmt(T.dupFollowing, { number: state.follow }) : "";
    dupList.querySelectorAll("button[data-number]").forEach((b) => {
      const mine = b.dataset.number === state.follow;
      b.textContent = mine ? T.dupUnfollow : T.dupFollow;
      b.setAttribute("aria-pressed", mine ? "true" : "false");
    });
  }
  function askDuplicates() {
    const title = $("title").value.trim();
    if (!title || !state.point || !config.duplicates) return;
    const params = new URLSearchParams({ lon: state.point.lon, lat: state.point.lat, crs: state.point.crs || "wgs84",
                                         title, description: $("description").value.trim().slice(0, 500) });
    if (params.toString() === dupAsked) return;
    dupAsked = params.toString();
    fetch(config.duplicates + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : { items: [] }))
      .then((data) => {
        const items = data.items || [];
        if (!items.some((i) => i.number === state.follow)) state.follow = null;
        dupList.replaceChildren(...items.map((i) => {
          const li = document.createElement("li");
          const text = document.createElement("span");
          text.textContent = fmt(T.dupItem, { title: i.title, status: i.status_name, date: i.reported_on,
                                              distance: Math.round(i.distance_m) });
          const button = document.createElement("button");
          button.type = "button"; button.className = "secondary"; button.dataset.number = i.number;
          button.addEventListener("click", () => {
            state.follow = state.follow === i.number ? null : i.number;
            state.key = null;  // another body: another report
            showFollowing();
          });
          li.append(text, " ", button);
          return li;
        }));
        dupBox.hidden = items.length === 0;
        showFollowing();
      })
      .catch(() => { dupAsked = ""; });  // the prompt is a help: a failure only hides it
  }
  $("title").addEventListener("change", askDuplicates);
  $("description").addEventListener("change", askDuplicates);
  document.addEventListener("gridgov:point", askDuplicates);

  // --- submit
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const { ok, title, category, address } = check();
    if (!ok) return;
    const body = {
      title, description: $("description").value.trim(), lon: state.point.lon, lat: state.point.lat,
      crs: state.point.crs, photos: state.uploads, channel: "resident",
    };
    if (category) body.category = category;
    if (address) body.address = address;
    if (state.follow) body.follow = state.follow;
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
        showReceipt(data, body.title);
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

  // --- the receipt: a link that opens the case (number and code), kept in the browser's "my reports"
  // (localStorage, shown on /track/ by track.js), a copy button, and "report another"
  const MY_REPORTS = "gridgov.my-reports";  // shared with track.js
  function showReceipt(data, title) {
    const link = new URL(config.track, location.href);
    link.search = new URLSearchParams({ number: data.number, code: data.tracking_code }).toString();
    $("track-link").href = link.href;
    $("copy-status").textContent = "";
    try {
      const mine = JSON.parse(localStorage.getItem(MY_REPORTS) || "[]").filter((r) => r.number !== data.number);
      const date = (data.reported_at || "").slice(0, 10);
      localStorage.setItem(MY_REPORTS, JSON.stringify(
        [{ number: data.number, code: data.tracking_code, title, date }, ...mine].slice(0, 50)));
    } catch (err) { /* storage full or disabled: the receipt still shows the code */ }
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise((resolve, reject) => {  // plain http: the old way, through a selected textarea
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed"; area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      const done = document.execCommand("copy");
      area.remove();
      if (done) resolve(); else reject(new Error("copy"));
    });
  }
  $("copy-receipt").addEventListener("click", (e) => {
    const b = e.currentTarget;
    const text = fmt(b.dataset.text, { number: $("r-number").textContent, code: $("r-code").textContent,
                                      link: $("track-link").href });
    copyText(text).then(() => { $("copy-status").textContent = b.dataset.done; },
                        () => { $("copy-status").textContent = b.dataset.failed; });
  });
  $("report-another").addEventListener("click", () => {  // a fresh form (the place stays chosen)
    form.reset();
    $("contact-fields").hidden = false;
    state.uploads = []; state.key = null;
    $("upload-list").replaceChildren();
    $("submit").disabled = false;
    $("receipt").hidden = true;
    form.hidden = false;
    $("title").focus();
  });
})();
