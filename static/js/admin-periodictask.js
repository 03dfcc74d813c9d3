// django-celery-beat's periodic task form: show the chosen crontab in words under its field.
// Its own template does this with an inline script, which the Content-Security-Policy refuses.
(function () {
  "use strict";
  const $ = window.django && window.django.jQuery;
  const settings = document.getElementById("periodic-task-overrides");
  const data = document.getElementById("readable-crontabs");
  if (!$ || !settings || !data) {
    return;
  }
  const readableCrontabs = JSON.parse(data.textContent);
  const help = settings.dataset.crontabHelp || "";
  $(".field-crontab_translation").hide();
  $(".field-crontab").on("change", function () {
    const words = readableCrontabs[$("#id_crontab").val()] || "";
    const box = $(".field-crontab .help");
    box.text(help);
    if (words) {
      box.append(document.createElement("br"), document.createTextNode(words));
    }
  });
})();
