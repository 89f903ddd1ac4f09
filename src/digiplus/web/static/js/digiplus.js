// digiplus pages work without this file; it only adds conveniences.
(function () {
  "use strict";

  // A <select data-autosubmit> submits its form when changed (the org switcher).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.requestSubmit();
    }
  });

  // A [data-copy] button copies the value of the [data-copy-source] next to it.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var source = button.parentElement && button.parentElement.querySelector("[data-copy-source]");
    if (!source) return;
    source.select();
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied-label") || label;
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done);
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
