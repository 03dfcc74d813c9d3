/* Download buttons (`data-download`) show "Preparing…" until the file starts to arrive.
 * The button puts a random token in the form; the server echoes it in a cookie with the file;
 * polling that cookie tells us the export is done, without leaving the page. */
(function () {
  "use strict";
  var POLL_MS = 300;
  var GIVE_UP_MS = 180000;

  function readCookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? match[1] : null;
  }

  function busy(form, button, on) {
    form.querySelectorAll("[data-download]").forEach(function (other) {
      other.disabled = on;
    });
    var label = button.querySelector(".label");
    var spinner = button.querySelector(".spinner-border");
    if (on) {
      button.dataset.idleLabel = label.textContent;
      label.textContent = button.dataset.preparing;
      spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm ms-1";
      spinner.setAttribute("aria-hidden", "true");
      button.appendChild(spinner);
      button.setAttribute("aria-busy", "true");
    } else {
      label.textContent = button.dataset.idleLabel;
      if (spinner) spinner.remove();
      button.removeAttribute("aria-busy");
    }
    var status = document.getElementById("download-status");
    if (status) status.textContent = on ? button.dataset.preparing : "";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-download]");
    if (!button || !button.form) return;
    var form = button.form;
    var cookie = form.dataset.downloadCookie;
    var token = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
    form.querySelector("input[name=download_token]").value = token;
    // Disable the buttons only after the browser has taken the submission.
    window.setTimeout(function () {
      busy(form, button, true);
      var started = Date.now();
      var timer = window.setInterval(function () {
        if (readCookie(cookie) === token || Date.now() - started > GIVE_UP_MS) {
          window.clearInterval(timer);
          document.cookie = cookie + "=; Max-Age=0; path=/; SameSite=Lax" +
            (window.location.protocol === "https:" ? "; Secure" : "");
          busy(form, button, false);
        }
      }, POLL_MS);
    }, 0);
  });
})();
