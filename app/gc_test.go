package app

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	TuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != webGCPercent {
		t.Errorf("GC percent %d, want %d", got, webGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != webMemoryLimit {
		t.Errorf("memory limit %d, want %d", got, webMemoryLimit)
	}

	// The operator's GOGC and GOMEMLIMIT rule: TuneGC leaves both alone.
	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 30)
	TuneGC(func(k string) string { return map[string]string{"GOGC": "150", "GOMEMLIMIT": "1GiB"}[k] })
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("GC percent %d with GOGC set, want 150", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("memory limit %d with GOMEMLIMIT set, want %d", got, 1<<30)
	}
}
