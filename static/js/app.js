/* Behaviour the templates ask for by data attributes: no inline script or event handler, so the
 * Content-Security-Policy can forbid them. Delegated on the document, so content that htmx swaps
 * in behaves the same. */
(function () {
  "use strict";

  // <select data-autosubmit>: submit its form on change (the language switcher).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });

  // <form data-confirm="question">: ask before submitting.
  // <form data-busy-on-submit>: grey out its button and show its spinner while the upload runs.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm !== undefined && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.dataset.busyOnSubmit !== undefined) {
      var submit = form.querySelector("[type=submit]");
      var spinner = form.querySelector(".spinner-border");
      if (submit) submit.classList.add("disabled");
      if (spinner) spinner.classList.remove("d-none");
    }
  });

  document.addEventListener("click", function (event) {
    // <button data-print>: print the page.
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    // <button data-copy="#field" data-copied="Copied">: copy the field's value.
    var button = event.target.closest("[data-copy]");
    if (button) {
      var field = document.querySelector(button.dataset.copy);
      field.select();
      if (navigator.clipboard) navigator.clipboard.writeText(field.value);
      button.textContent = button.dataset.copied;
    }
  });

  // <select data-shows="#target" data-shows-value="v">: show the target only while v is chosen
  // (an activity's named officials, only for the audience "Named officials").
  function toggleShown(select) {
    var target = document.querySelector(select.dataset.shows);
    if (target) target.hidden = select.value !== select.dataset.showsValue;
  }
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-shows]");
    if (select) toggleShown(select);
  });
  function init() {
    document.querySelectorAll("[data-shows]").forEach(toggleShown);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
