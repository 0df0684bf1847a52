/* What someone typed into a staff page's action form survives a sign-in detour (登录已过期).

   Before an action form (form.action-form on /console/, /dept/, /m/) is sent, its fields go to this
   tab's sessionStorage with the page's path and the form's id. If the session had run out, the
   server answers with the sign-in page (or, for a stale form, the "page expired" page): those pages
   say so with <body data-keep-typed="wait">, and the kept fields wait there — through a wrong
   password, too. When the person is back on the same page, its form is filled in again. Any other
   page drops them: the form was sent, or the person went elsewhere. Nothing leaves the tab; files
   and passwords are never kept. No language of its own: the sign-in page holds its words. */
(function () {
  "use strict";
  const KEY = "gridgov.keep-typed";
  const SKIP = new Set(["csrfmiddlewaretoken", "action"]);

  function read() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function write(entry) {
    try {
      if (entry) sessionStorage.setItem(KEY, JSON.stringify(entry));
      else sessionStorage.removeItem(KEY);
    } catch (e) { /* storage full or off: nothing is kept */ }
  }

  function fieldsOf(form) {
    const fields = [];
    for (const el of form.elements) {
      if (!el.name || SKIP.has(el.name) || el.disabled) continue;
      if (el.type === "file" || el.type === "password" || el.type === "hidden" || el.type === "submit") continue;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      fields.push([el.name, el.value]);
    }
    return fields;
  }

  function fill(form, fields) {
    let first = null;
    for (const [name, value] of fields) {
      for (const el of form.querySelectorAll("[name]")) {
        if (el.name !== name) continue;
        if (el.type === "radio" || el.type === "checkbox") { el.checked = el.value === value; }
        else { el.value = value; }
        el.dispatchEvent(new Event("input", { bubbles: true }));
        first = first || el;
      }
    }
    if (first) first.focus();
  }

  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form.action-form") || !form.id) return;
    const fields = fieldsOf(form);
    write(fields.some(([, v]) => v.trim()) ? { path: location.pathname, form: form.id, fields } : null);
  }, true);

  function onLoad() {
    const entry = read();
    if (!entry) return;
    if (document.body.dataset.keepTyped === "wait") {  // the sign-in page, or the stale-form page
      const hint = document.getElementById("kept-hint");
      if (hint) hint.hidden = false;
      return;
    }
    write(null);
    if (entry.path !== location.pathname) return;
    const form = document.getElementById(entry.form);
    if (form && form.matches("form.action-form")) fill(form, entry.fields);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onLoad);
  else onLoad();
})();
