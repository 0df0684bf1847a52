/* /track/: the browser's own list of "my reports" (localStorage, key MY_REPORTS — report.js adds each
   receipt to it). Each entry opens its case with its number and code; a case opened here joins the
   list. Nothing of it leaves the browser. No language of its own: the page holds the words. */
(function () {
  "use strict";
  const MY_REPORTS = "gridgov.my-reports";  // shared with report.js
  const config = JSON.parse(document.getElementById("track-config").textContent);
  const $ = (id) => document.getElementById(id);

  function read() {
    try { return JSON.parse(localStorage.getItem(MY_REPORTS) || "[]"); } catch (e) { return []; }
  }
  function write(items) {
    try { localStorage.setItem(MY_REPORTS, JSON.stringify(items.slice(0, 50))); } catch (e) { /* full or off */ }
  }

  const current = config.current;
  if (current && current.number && current.code) {  // proven just now: keep (or refresh) it
    write([current, ...read().filter((r) => r.number !== current.number)]);
  }

  const items = read();
  const list = $("my-reports-list");
  list.replaceChildren();
  for (const r of items) {
    const li = document.createElement("li");
    li.dataset.number = r.number;
    const a = document.createElement("a");
    a.href = config.track + "?" + new URLSearchParams({ number: r.number, code: r.code });
    const number = document.createElement("span");
    number.className = "mono";
    number.textContent = r.number;
    a.append(number, " · " + (r.title || "") + (r.date ? " · " + r.date : ""));
    if (current && current.number === r.number) li.setAttribute("aria-current", "true");
    li.appendChild(a);
    list.appendChild(li);
  }
  $("my-reports").hidden = !items.length;
})();
