// The phone's camera for the certificate photo: the rear camera with an
// outline where head top, eyes and chin belong; the shot is uploaded as the
// form field "photo" and the page reloads to show the engine's answer.
// Without a camera (or JavaScript) the plain file form below still works.
(function () {
  var root = document.getElementById("camera");
  if (!root || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var video = root.querySelector("video");
  var shoot = root.querySelector("button.shoot");
  var status = root.querySelector(".status");
  navigator.mediaDevices
    .getUserMedia({ audio: false, video: { facingMode: { ideal: "environment" }, width: { ideal: 1536 }, height: { ideal: 2048 } } })
    .then(function (stream) {
      video.srcObject = stream;
      root.hidden = false;
      return video.play();
    })
    .catch(function () { root.hidden = true; });
  shoot.addEventListener("click", function () {
    if (!video.videoWidth) return;
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    shoot.disabled = true;
    status.textContent = "正在上传并检查照片，请稍候……";
    canvas.toBlob(function (blob) {
      var form = new FormData();
      form.append("photo", blob, "capture.jpg");
      fetch(root.dataset.upload, { method: "POST", body: form, headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
        .then(function (a) {
          if (!a.ok) { status.textContent = a.j.error || "上传失败，请重试"; shoot.disabled = false; return; }
          window.location.reload();
        })
        .catch(function () { status.textContent = "上传失败，请检查网络后重试"; shoot.disabled = false; });
    }, "image/jpeg", 0.92);
  });
})();
