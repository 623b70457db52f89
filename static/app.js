// Indberet – the app's own JavaScript. Loaded with defer after htmx and dkfds.
// No inline script anywhere (CSP script-src 'self'): everything goes here.
(function () {
  "use strict";

  // Initialise the dkfds components (accordions, modals, tooltips, error
  // summaries, ...) inside scope; without a scope the whole document.
  function initDKFDS(scope) {
    if (!window.DKFDS || typeof window.DKFDS.init !== "function") {
      return;
    }
    try {
      window.DKFDS.init(scope ? { scope: scope } : undefined);
    } catch (e) {
      if (window.console) {
        window.console.error("DKFDS.init fejlede", e);
      }
    }
  }

  var htmx = window.htmx;
  if (!htmx) {
    initDKFDS();
    return;
  }

  // CSP (script-src 'self', style-src 'self'): no eval (hx-on, js: in hx-vals),
  // no script tags from swapped content, no inline indicator styles
  // (also switched off before load by <meta name="htmx-config">).
  htmx.config.allowEval = false;
  htmx.config.allowScriptTags = false;
  htmx.config.includeIndicatorStyles = false;
  htmx.config.selfRequestsOnly = true;
  // Pages hold personal data: never snapshot them into localStorage;
  // on back/forward fetch the page from the server again.
  htmx.config.historyCacheSize = 0;
  htmx.config.refreshOnHistoryMiss = true;
  // 422 Unprocessable Content = the server re-rendered a form with
  // validation errors: swap it in like a 2xx. Other 4xx/5xx are errors.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
    { code: "...", swap: false }
  ];

  // htmx fires htmx:load on <body> once at start-up and then on every
  // swapped-in element, so this covers both the first page and new content.
  htmx.onLoad(function (elt) {
    initDKFDS(elt === document.body ? undefined : elt);
  });
})();
