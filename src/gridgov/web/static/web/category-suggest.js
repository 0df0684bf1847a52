/* Category suggestions (分类建议) under a report's title: the three likeliest categories with their
   confidence and the words that weighed most; a click fills the category field. Used by /report/, /m/report/
   and the console's registration. The box (#category-suggest) carries the endpoint and the words of the
   page (data-*); no model on the platform yet, or no answer, and the box stays hidden: nothing waits on it. */
(function () {
  "use strict";
  const box = document.getElementById("category-suggest");
  if (!box) return;
  const title = document.getElementById(box.dataset.title || "title");
  const text = document.getElementById(box.dataset.text || "description");
  const target = document.getElementById(box.dataset.target || "category");
  const list = box.querySelector("ul");
  let timer = null;
  let asked = "";

  function label(s) { return s.parent ? `${s.name}（${s.parent}）` : s.name; }

  function show(items) {
    list.replaceChildren();
    for (const s of items) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "suggestion";
      b.dataset.code = s.code;
      b.textContent = `${label(s)} · ${Math.round(s.confidence * 100)}%`;
      if (s.words.length) b.title = `${box.dataset.words} ${s.words.join("、")}`;
      b.addEventListener("click", () => {
        if (!target) return;
        // the picker of report-form.js learns the label → code pair; a plain <select> takes the code
        target.dispatchEvent(new CustomEvent("gridgov:pick", { detail: { label: label(s), code: s.code } }));
        if (target.tagName === "SELECT") target.value = s.code;
        // the console's pickers read "name · code" (console_pick.label), the report forms the picker's label
        else target.value = box.dataset.value === "code" ? `${s.name} · ${s.code}` : label(s);
        target.dispatchEvent(new Event("change", { bubbles: true }));
      });
      li.appendChild(b);
      if (s.words.length) {
        const why = document.createElement("span");
        why.className = "hint";
        why.textContent = ` ${box.dataset.words} ${s.words.join("、")}`;
        li.appendChild(why);
      }
      list.appendChild(li);
    }
    box.hidden = items.length === 0;
  }

  function ask() {
    // a page that shows a case (the console) gives its words in data-*; a form reads its fields
    const t = (box.dataset.titleText !== undefined ? box.dataset.titleText : (title && title.value) || "").trim();
    const d = (box.dataset.textText !== undefined ? box.dataset.textText : (text && text.value) || "").trim();
    const key = t + "\n" + d;
    if (key === asked) return;
    asked = key;
    if (!t && !d) { show([]); return; }
    const url = `${box.dataset.url}?title=${encodeURIComponent(t.slice(0, 200))}&text=${encodeURIComponent(d.slice(0, 1000))}`;
    fetch(url, { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : { suggestions: [] }))
      .then((data) => { if (asked === key) show(data.suggestions || []); })
      .catch(() => {});
  }

  for (const el of [title, text]) {
    if (!el) continue;
    el.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 400); });
  }
  ask();
})();
