// Package e2e holds the browser tests: the real app on a fresh database with the demo data,
// served on 127.0.0.1 and driven in headless Chromium with chromedp, with axe-core
// accessibility checks. The harness (setup and the browser helpers) is in browser_test.go.
//
// The tests need Chromium (`apt-get install -y chromium`, or CHROMIUM=/path/to/chrome); they
// fail without it unless INDBERET_SKIP_BROWSER=1 is set. With INDBERET_SCREENSHOTS set to a
// directory, screenshot steps write full-page PNGs there (`make screenshots`).
package e2e
