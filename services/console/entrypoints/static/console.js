// A step's form, once drawn, takes the focus: keyboard and screen-reader users, and a phone
// whose form lands below the list of steps, find it at once.
document.addEventListener("htmx:afterSwap", function (event) {
  var panel = event.detail.target;
  if (panel && panel.id === "action-panel") {
    var heading = panel.querySelector("h3");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
      heading.scrollIntoView({block: "start"});
    }
  }
});
