// The placement board for keyboards and screen readers: after an htmx swap of an official's row,
// put the focus where the work goes on. An opened form gets the focus on its first field; a
// saved or closed row gets it back on the row (its message, or the official's name), so that Tab
// continues from the same place instead of from the top of the page.
(function () {
  "use strict";

  function focusRow(row) {
    const form = row.querySelector(".board-form form");
    if (form) {
      const field = form.querySelector("select, input:not([type=hidden]), textarea");
      if (field) {
        field.focus();
        return;
      }
    }
    const note = row.querySelector(".board-note .alert");
    const target = note || row.querySelector("a.official-name");
    if (target) {
      if (!target.hasAttribute("tabindex") && note) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail.target;
    if (!target || !target.id || !target.id.startsWith("official-")) return;
    // The row was replaced (outerHTML): look the new one up by its id.
    const row = document.getElementById(target.id);
    if (row) focusRow(row);
  });
})();
