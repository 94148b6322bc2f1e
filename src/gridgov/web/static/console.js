// Destructive actions ask first (forms marked data-confirm, or a bulk form whose chosen
// action is marked so; not a check: data-confirm-unless names its box); no inline script
// anywhere.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute("data-confirm");
  var button = form.querySelector && form.querySelector("[data-confirm-select]");
  if (!message && button) {
    var select = document.getElementById(button.getAttribute("data-confirm-select"));
    var chosen = select && select.options[select.selectedIndex];
    message = chosen && chosen.getAttribute("data-confirm");
  }
  // a form that only checks when its box is ticked (data-confirm-unless="dry_run") asks not
  var unless = form.getAttribute && form.getAttribute("data-confirm-unless");
  var box = unless && form.elements && form.elements[unless];
  if (box && box.checked) { message = null; }
  if (message && !window.confirm(message)) { event.preventDefault(); }
}, true);

// A suggestion chip fills the field it names (the preview beside the new-case form) and the
// form is previewed again with it.
document.addEventListener("click", function (event) {
  var chip = event.target.closest && event.target.closest("[data-fill]");
  if (!chip) { return; }
  var field = document.getElementById(chip.getAttribute("data-fill"));
  if (!field) { return; }
  field.value = chip.getAttribute("data-value");
  field.dispatchEvent(new Event("change", { bubbles: true }));
});
