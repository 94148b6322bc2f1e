// Destructive actions ask first (forms marked data-confirm); no inline script anywhere.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
}, true);
