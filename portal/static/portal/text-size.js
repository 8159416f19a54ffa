// The larger-text mode (大字版). Reading never needs this script: without it the form posts to
// /text-size/, which sets the `text_size` cookie that the server turns into <html class="text-large">.
// With it, the button switches at once and the choice is kept in both localStorage and the cookie,
// so the server renders the next page at the right size (no flash of small text).
(function () {
  "use strict";
  var KEY = "text_size";
  var YEAR = 365 * 24 * 60 * 60;
  var root = document.documentElement;

  function readCookie() {
    var match = document.cookie.match(/(?:^|;\s*)text_size=(large|normal)(?:;|$)/);
    return match ? match[1] : null;
  }

  function writeCookie(size) {
    var secure = window.location.protocol === "https:" ? "; secure" : "";
    document.cookie = KEY + "=" + size + "; max-age=" + YEAR + "; path=/; samesite=lax" + secure;
  }

  function remember(size) {
    try {
      window.localStorage.setItem(KEY, size);
    } catch (error) {
      // Private browsing may refuse storage; the cookie still carries the choice.
    }
    writeCookie(size);
  }

  function recalled() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (error) {
      return null;
    }
  }

  function apply(size, form) {
    var large = size === "large";
    root.classList.toggle("text-large", large);
    if (form) {
      form.querySelector("button").setAttribute("aria-pressed", large ? "true" : "false");
      form.querySelector("input[name=size]").value = large ? "normal" : "large";
    }
  }

  function init() {
    var form = document.querySelector("form[data-text-size]");
    // The cookie is the latest choice made anywhere (it is also what the server saw); localStorage
    // brings the choice back when the cookie has been cleared.
    var size = readCookie() || recalled();
    if (size === "large" || size === "normal") {
      apply(size, form);
      remember(size);
    }
    if (!form) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var next = root.classList.contains("text-large") ? "normal" : "large";
      apply(next, form);
      remember(next);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
