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

// htmx swaps only a 2xx answer: anything else would leave a click doing nothing, silently.
document.addEventListener("htmx:responseError", function (event) {
  var problem = document.getElementById("problem");
  if (!problem) { return; }
  var status = event.detail.xhr ? event.detail.xhr.status : 0;
  problem.textContent = status === 403 ? problem.dataset.forbidden : problem.dataset.failed;
  problem.hidden = false;
});
document.addEventListener("htmx:sendError", function () {
  var problem = document.getElementById("problem");
  if (problem) { problem.textContent = problem.dataset.failed; problem.hidden = false; }
});
