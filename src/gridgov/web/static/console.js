// Destructive actions ask first (forms marked data-confirm, or a bulk form whose chosen
// action is marked so); no inline script anywhere.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute("data-confirm");
  var button = form.querySelector && form.querySelector("[data-confirm-select]");
  if (!message && button) {
    var select = document.getElementById(button.getAttribute("data-confirm-select"));
    var chosen = select && select.options[select.selectedIndex];
    message = chosen && chosen.getAttribute("data-confirm");
  }
  if (message && !window.confirm(message)) { event.preventDefault(); }
}, true);
