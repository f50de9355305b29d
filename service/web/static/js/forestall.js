// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Tell the server this browser runs the scripts: the case page may then leave its secondary sections
  // to a request of their own (service/cases/pages.py, defer_sections). A session cookie: nothing else.
  document.cookie = "forestall_js=1; path=/; SameSite=Lax" + (window.location.protocol === "https:" ? "; Secure" : "");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // An error summary (or anything marked data-focus-on-load) takes focus, so it is read first.
  function focusMarked(root) {
    var target = (root || document).querySelector("[data-focus-on-load]");
    if (target) {
      target.focus();
    }
  }

  // Say something in the page's aria-live region.
  function announce(message) {
    var status = document.getElementById("status");
    if (status && message) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusMarked(document);

    // htmx: send the CSRF token in a header with every request.
    document.body.addEventListener("htmx:configRequest", function (event) {
      event.detail.headers["X-CSRFToken"] = csrfToken();
    });

    // After a swap: announce what the server said (HX-Trigger: {"announce": "..."}), move focus sensibly.
    document.body.addEventListener("announce", function (event) {
      announce(event.detail && event.detail.value);
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var root = event.detail.elt;
      var target = root.querySelector("[data-focus-on-load]") ||
        (root.matches && root.matches("[data-focus-on-load]") ? root : null);
      if (target) {
        target.focus();
      }
    });
    // An error answer (422) still carries the form with its messages: swap it in too.
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      if (event.detail.xhr.status === 422) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });

    enhance(document);
    // Content htmx puts in the page (the case page's deferred sections) gets the same enhancements; once
    // they are in, the address's #fragment (where a form sent us back) is scrolled to.
    document.body.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var root = event.detail.elt;
      var id = window.location.hash.slice(1);
      var target = id && document.getElementById(id);
      if (target && root && root.id === "case-sections" && root.contains(target)) {
        target.scrollIntoView();
      }
    });
  });

  function enhance(root) {
    // Drag-and-drop onto a file input's drop zone (the plain file input keeps working without it).
    Array.prototype.forEach.call(root.querySelectorAll("[data-drop-zone]"), function (zone) {
      var input = zone.querySelector('input[type="file"]');
      if (!input || zone.hasAttribute("data-enhanced")) { return; }
      zone.setAttribute("data-enhanced", "");
      zone.addEventListener("dragover", function (event) {
        event.preventDefault();
        zone.classList.add("drop-zone--over");
      });
      zone.addEventListener("dragleave", function () { zone.classList.remove("drop-zone--over"); });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        zone.classList.remove("drop-zone--over");
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          announce(event.dataTransfer.files.length + " file(s) ready to upload: " + event.dataTransfer.files[0].name);
        }
      });
    });

    // Copy buttons: <button data-copy="#id">.
    Array.prototype.forEach.call(root.querySelectorAll("[data-copy]"), function (button) {
      if (button.hasAttribute("data-enhanced")) { return; }
      button.setAttribute("data-enhanced", "");
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.querySelector(button.getAttribute("data-copy"));
        if (source && navigator.clipboard) {
          navigator.clipboard.writeText(source.value || source.textContent).then(function () { announce("Copied."); });
        }
      });
    });
  }
}());
