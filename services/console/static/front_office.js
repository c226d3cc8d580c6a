// Complaint form of the front office: the subcategory list follows the chosen category.
// Without this file the list shows every subcategory grouped by category, and intake says
// when a pair does not fit; with it, only the chosen category's subcategories are offered.
(function () {
  "use strict";

  document.querySelectorAll("select[data-depends-on]").forEach(function (child) {
    const parent = document.getElementById(child.getAttribute("data-depends-on"));
    if (!parent) { return; }
    const blank = child.querySelector("option[value='']");
    const groups = Array.prototype.slice.call(child.querySelectorAll("optgroup[data-parent]"))
      .map(function (group) { return group.cloneNode(true); });

    function follow() {
      const chosen = child.value;
      const group = groups.filter(function (g) {
        return g.getAttribute("data-parent") === parent.value;
      })[0];
      child.textContent = "";
      if (blank) { child.appendChild(blank); }
      if (group) {
        Array.prototype.slice.call(group.children).forEach(function (option) {
          child.appendChild(option.cloneNode(true));
        });
      }
      const still = Array.prototype.some.call(child.options, function (o) {
        return o.value === chosen;
      });
      child.value = still ? chosen : "";
      child.disabled = !group;
    }

    parent.addEventListener("change", follow);
    follow();
  });
})();
