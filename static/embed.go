// Package static holds the vendored front-end assets (htmx, dkfds) and the app's own CSS/JS, embedded into the binary.
package static

import "embed"

//go:embed app.css app.js favicon.svg vendor
var FS embed.FS
