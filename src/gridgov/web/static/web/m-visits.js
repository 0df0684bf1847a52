/* /m/visits/: the visit form's two helpers in the page. Without this script the form does both by being
   sent back to itself (button name="more"), so they work without JavaScript too.

   - Choosing a household sends the form back to show its residents to tick (the server knows them,
     masked); what was typed comes back with it.
   - "Add another problem" copies the last finding row, blank, without a round trip. */
(function () {
  "use strict";
  const form = document.getElementById("visit-form");
  if (!form) return;
  const household = document.getElementById("v-household");
  const show = document.getElementById("v-show-residents");
  if (household && show) {
    show.hidden = true;
    household.addEventListener("change", function () {
      if (household.value) form.requestSubmit(show);
    });
  }
  const rows = document.getElementById("v-findings");
  const add = document.getElementById("v-add-finding");
  if (!rows || !add) return;
  add.addEventListener("click", function (event) {
    const last = rows.querySelector(".v-finding:last-of-type");
    if (!last) return;
    event.preventDefault();
    const row = last.cloneNode(true);
    const n = rows.querySelectorAll(".v-finding").length + 1;
    for (const field of row.querySelectorAll("input, textarea")) {
      field.value = "";
      const label = row.querySelector('label[for="' + field.id + '"]');
      field.id = field.id.replace(/-\d+$/, "") + "-" + n;
      if (label) label.htmlFor = field.id;
    }
    rows.appendChild(row);
    row.querySelector("input").focus();
  });
})();
