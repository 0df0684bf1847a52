/* The full photo on click (web/_case_photos.html): a thumbnail link opens the photo in the page's
   <dialog id="photo-viewer">; a click outside the photo, the close button or Esc closes it. Without
   this script (or with a modifier key) the link opens the photo itself. */
(function () {
  "use strict";
  const viewer = document.getElementById("photo-viewer");
  if (!viewer || typeof viewer.showModal !== "function") return;
  const image = viewer.querySelector("img");
  document.addEventListener("click", (e) => {
    const link = e.target.closest("a.photo-link");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    const thumb = link.querySelector("img");
    image.src = link.href;
    image.alt = thumb ? thumb.alt : "";
    viewer.showModal();
  });
  viewer.addEventListener("click", (e) => { if (e.target === viewer) viewer.close(); });
  viewer.addEventListener("close", () => { image.removeAttribute("src"); });
})();
