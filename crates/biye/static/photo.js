// The desktop follows the phone: every two seconds it asks for the newest
// capture and reloads when one arrives, so the photo, its report and the
// fixed version appear without a click.
(function () {
  var page = document.getElementById("photo-page");
  if (!page) return;
  var seen = page.dataset.latest || "";
  setInterval(function () {
    fetch("/me/photo/latest.json", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (j && j.photo_id !== null && String(j.photo_id) !== seen) window.location.reload();
      })
      .catch(function () {});
  }, 2000);
})();
