// Conveniences of the payments pages; every page works without this file.
(function () {
  "use strict";
  var MAX_BYTES = 950000; // the app takes requests up to 1 MiB

  // [data-countdown="seconds"]: count down to zero, then show [data-expired] and hide [data-live].
  function startCountdowns(root) {
    root.querySelectorAll("[data-countdown]").forEach(function (el) {
      if (el.dataset.started) return;
      el.dataset.started = "1";
      var left = parseInt(el.getAttribute("data-countdown"), 10) || 0;
      var scope = el.closest("[data-countdown-scope]") || document;
      var tick = function () {
        el.textContent = String(left);
        if (left <= 0) {
          scope.querySelectorAll("[data-live]").forEach(function (n) { n.hidden = true; });
          scope.querySelectorAll("[data-expired]").forEach(function (n) { n.hidden = false; });
          return;
        }
        left -= 1;
        setTimeout(tick, 1000);
      };
      tick();
    });
  }

  // An uploaded photo over the request limit is redrawn smaller as JPEG before it is sent.
  function shrink(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) { resolve(blob ? new File([blob], "qr.jpg", { type: "image/jpeg" }) : file); }, "image/jpeg", 0.85);
      };
      img.onerror = function () { resolve(file); };
      img.src = url;
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-shrink") || !input.files || !input.files[0]) return;
    var file = input.files[0];
    if (file.size <= MAX_BYTES || typeof DataTransfer === "undefined") return;
    shrink(file).then(function (smaller) {
      var list = new DataTransfer();
      list.items.add(smaller);
      input.files = list.files;
    });
  });

  document.addEventListener("DOMContentLoaded", function () { startCountdowns(document); });
  document.addEventListener("htmx:afterSwap", function (event) { startCountdowns(event.target); });
})();
