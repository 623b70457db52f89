package app

import (
	"runtime/debug"
)

// Garbage collection of the web server (`serve --workers=false`). The server's live heap is
// small (tens of MB: code lists, policies, templates, the requests in flight), while every
// request allocates a few hundred kB; at Go's default (GOGC=100, a collection each time the
// heap doubles) the collector's marking took about a sixth of the server's CPU in make
// bench. A collection when the heap has grown fivefold costs a fraction of that and stays
// far below the memory fly.toml gives the app (512 MB); the soft limit makes the collector
// work harder before the heap ever comes near it.
const (
	webGCPercent   = 400
	webMemoryLimit = 384 << 20
)

// TuneGC sets the web server's collector (webGCPercent, webMemoryLimit) unless the operator
// set GOGC or GOMEMLIMIT, which then rule as Go documents them.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(webGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(webMemoryLimit)
	}
}
