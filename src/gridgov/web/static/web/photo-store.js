/* Photos kept on the phone while there is no network (/m/report/): in IndexedDB as Blobs — a phone
   photo is megabytes and localStorage holds about 5 MB in all, as text. Each photo is first scaled
   to at most 2048 px as a JPEG when the browser can (the server would do the same), so a day of
   reports without signal fits. m.js keeps the reports; the photos wait here under an id each. */
window.GridgovPhotoStore = (function () {
  "use strict";
  const DB = "gridgov-m-photos", STORE = "photos", MAX_SIDE = 2048;

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  function run(mode, work) {
    return open().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(request.result); };
      tx.onerror = tx.onabort = () => { db.close(); reject(tx.error); };
    }));
  }
  function shrink(file) {
    if (!window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then((bitmap) => {
      const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 2 * 1024 * 1024) return file;
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), "image/jpeg", 0.85));
    }).catch(() => file);
  }
  return {
    /* Keep a photo; resolves its id. */
    put(file) {
      const id = "p" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
      return shrink(file).then((blob) => run("readwrite", (s) => s.put({ blob, name: file.name || "photo.jpg" }, id)))
        .then(() => id);
    },
    /* {blob, name}, or undefined when it is gone. */
    get(id) { return run("readonly", (s) => s.get(id)); },
    remove(id) { return run("readwrite", (s) => s.delete(id)); },
  };
})();
