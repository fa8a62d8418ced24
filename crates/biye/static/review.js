// Keyboard review: J next, K previous, A approve, R then a digit rejects with
// that reason. Keys typed into a form field are left alone.
(function () {
  var armed = false;
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
    var k = e.key.toLowerCase();
    if (armed && /^[0-9]$/.test(k)) {
      armed = false;
      var opt = document.querySelector("#reject option[data-key='" + k + "']");
      if (opt) { opt.selected = true; document.getElementById("reject").submit(); }
      return;
    }
    armed = false;
    if (k === "j") { var n = document.getElementById("next"); if (n) window.location = n.href; }
    else if (k === "k") { var p = document.getElementById("prev"); if (p) window.location = p.href; }
    else if (k === "a") { document.getElementById("approve").submit(); }
    else if (k === "r") { armed = true; }
  });
})();
