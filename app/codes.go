package app

import (
	"context"
	"sync"
	"time"

	"indberet/tenant/domain"
)

// codeCache keeps the code lists in memory (a few hundred rows read on every form would be
// waste). DST staff change them through their screens; a change is seen within codesTTL.
type codeCache struct {
	mu   sync.Mutex
	snap *domain.Snapshot
	at   time.Time
}

const codesTTL = 30 * time.Second

// codes returns the current code lists.
func (a *App) codes(ctx context.Context) (*domain.Snapshot, error) {
	a.codeCache.mu.Lock()
	defer a.codeCache.mu.Unlock()
	if a.codeCache.snap != nil && time.Since(a.codeCache.at) < codesTTL {
		return a.codeCache.snap, nil
	}
	snap, err := a.deps.DB.CodeSnapshot(ctx)
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

var copenhagen = domain.Copenhagen

// today is the date in Denmark, as a UTC midnight like the dates the rules compare with.
// Tests set a.now to fix it.
func (a *App) today() time.Time {
	return domain.Today(a.clock())
}

// clock is the time now; tests fix it with a.now.
func (a *App) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}
