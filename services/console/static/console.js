// Progressive enhancement for the console's server-rendered pages. Every page works without
// this file; with it, forms marked data-live get field checks while typing, and buttons
// marked data-confirm ask first.
(function () {
  "use strict";

  function debounce(fn, ms) {
    let timer = null;
    return function () {
      const args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  // <form data-live="/front-office/check"> posts its fields (as form data) to that URL and
  // gets back {"errors": {field: message}, "warnings": {field: message}}; each message is
  // shown in the element with id "<field>-msg" and the field gets aria-invalid.
  function live(form) {
    const url = form.getAttribute("data-live");
    const check = debounce(async function () {
      let answer;
      try {
        const response = await fetch(url, { method: "POST", body: new FormData(form),
                                            headers: { "Accept": "application/json" } });
        if (!response.ok) { return; }
        answer = await response.json();
      } catch (err) {
        return; // offline: the server checks again on submit
      }
      form.querySelectorAll("[data-msg-for]").forEach(function (box) {
        const name = box.getAttribute("data-msg-for");
        const field = form.elements.namedItem(name);
        const error = answer.errors && answer.errors[name];
        const warning = answer.warnings && answer.warnings[name];
        box.textContent = error || warning || "";
        box.className = error ? "field-error" : (warning ? "field-warning" : "");
        if (field && field.setAttribute) {
          if (error) { field.setAttribute("aria-invalid", "true"); }
          else { field.removeAttribute("aria-invalid"); }
        }
      });
    }, 300);
    form.addEventListener("input", check);
    form.addEventListener("change", check);
  }

  document.querySelectorAll("form[data-live]").forEach(live);
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
