/* The inbox (/inbox/): opening an unread notification marks it read on the way to its page.

   Without JavaScript the title is a plain link and the "mark as read" button does the same; with it,
   a plain click posts the item's own mark-read form first (its CSRF token and id), then follows the
   link. A click with a modifier (new tab, new window) is left to the browser. */
(function () {
  "use strict";
  const list = document.getElementById("inbox-list");
  if (!list) return;
  list.addEventListener("click", (event) => {
    const link = event.target.closest("li.unread a.inbox-title");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const form = link.closest("li").querySelector("form.read-one");
    if (!form) return;
    event.preventDefault();
    const done = () => { window.location.href = link.href; };
    const body = new FormData(form);
    body.set("quiet", "1");  // no "marked as read" message on the page the reader is going to
    fetch(form.action, { method: "POST", body, credentials: "same-origin",
                         redirect: "manual", keepalive: true })
      .then(done, done);  // whatever the answer, the reader goes where they clicked
  });
})();
