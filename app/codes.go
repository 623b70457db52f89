package app

import (
	"context"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Copenhagen also where the system has no zoneinfo

	"indberet/tenant/codes"
)

// codeCache keeps the code lists in memory (a few hundred rows read on every form would be
// waste). DST staff change them through their screens; a change is seen within codesTTL.
type codeCache struct {
	mu   sync.Mutex
	snap *codes.Snapshot
	at   time.Time
}

const codesTTL = 30 * time.Second

// codes returns the current code lists.
func (a *App) codes(ctx context.Context) (*codes.Snapshot, error) {
	a.codeCache.mu.Lock()
	defer a.codeCache.mu.Unlock()
	if a.codeCache.snap != nil && time.Since(a.codeCache.at) < codesTTL {
		return a.codeCache.snap, nil
	}
	snap, err := codes.Read(ctx, a.deps.DB.Pool)
	if err != nil {
		return nil, err
	}
	a.codeCache.snap, a.codeCache.at = snap, time.Now()
	return snap, nil
}

// forgetCodes drops the cached code lists after DST changed them (koder.go), so the next
// form of this process reads the change; other processes see it within codesTTL.
func (a *App) forgetCodes() {
	a.codeCache.mu.Lock()
	defer a.codeCache.mu.Unlock()
	a.codeCache.snap = nil
}

var copenhagen = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// today is the date in Denmark, as a UTC midnight like the dates the rules compare with.
// Tests set a.now to fix it.
func (a *App) today() time.Time {
	now := time.Now
	if a.now != nil {
		now = a.now
	}
	y, m, d := now().In(copenhagen).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
