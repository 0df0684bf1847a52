// Pickers by name on the console (console_pick.py): an input with data-pick="grids|categories" gets a
// <datalist> of matching names ("帝湖花园 · 410102…") from the console's JSON endpoints as you type.
// Without this script the input still takes a name or a code and the server resolves it.
(function () {
  "use strict";

  const cfgEl = document.getElementById("console-pick-config");
  if (!cfgEl) return;
  const urls = JSON.parse(cfgEl.textContent);
  const timers = new WeakMap();
  const asked = new WeakMap(); // input -> the text its list was last filled for

  const fill = (input) => {
    const url = urls[input.dataset.pick];
    const list = input.list;
    const text = input.value.trim();
    if (!url || !list || asked.get(input) === text) return;
    asked.set(input, text);
    if (!text) {
      list.replaceChildren();
      return;
    }
    fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
      .then((data) => {
        if (input.value.trim() !== text) return; // typed on meanwhile
        list.replaceChildren(...data.items.map((item) => {
          const option = document.createElement("option");
          option.value = item.label;
          if (item.parent) option.label = item.parent;
          return option;
        }));
      })
      .catch(() => { asked.delete(input); });
  };

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.pick) return;
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(() => fill(input), 200));
  });

  // A phone search is a logged reveal: it runs when the dispatcher presses Enter (or 筛选), not on
  // every digit typed — so its input events do not reach the filter form's live trigger.
  const phone = document.getElementById("q-phone");
  if (phone) phone.addEventListener("input", (event) => event.stopPropagation());
})();
