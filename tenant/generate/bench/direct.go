package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"indberet/app"
	"indberet/tenant"
	"indberet/tenant/websession"
)

// The denominator of the ratio row: a CPR search's SQL without the app around it. Every
// statement the endpoint runs, in the same round trips, through the same stores the
// handler and the middleware call, each for the client's own session: the session
// (websession), the user and the policies' version in one batch (accounts, access), then
// the scope transaction with the list's count and page in one batch and the CPR access
// record (tenant.ShowList, as the handler reads it). What the endpoint adds on top is HTTP, Fiber, the
// middleware's Go, the handler and the rendering.

// directSearch is one CPR search of prefix by the client's session, as pgx runs it.
func (b *bench) directSearch(ctx context.Context, c *client, prefix string) error {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "/indberetninger/egne", nil)
	if err != nil {
		return err
	}
	r.Header.Set("Cookie", c.cookie)
	sess, err := b.deps.Sessions.New(r, app.SessionCookie)
	if err != nil {
		return err
	}
	if sess.IsNew {
		return errors.New("direct search: the client's session is not found")
	}
	var uid int64
	if _, err := fmt.Sscan(sess.Values[websession.UserIDKey].(string), &uid); err != nil {
		return err
	}
	u, _, err := b.deps.Accounts.ForRequest(ctx, uid)
	if err != nil {
		return err
	}
	s := tenant.Scope{Kommune: u.Kommune, Actor: tenant.Actor{UserID: u.ID, Email: u.Email, IP: "127.0.0.1"}}
	return b.db.InScope(ctx, s, func(tx *tenant.Tx) error {
		_, _, err := tx.ShowList(ctx, searchQuery(b.kommune, prefix, b.today))
		return err
	})
}
