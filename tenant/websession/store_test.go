package websession_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"indberet/tenant/tenanttest"
	"indberet/tenant/websession"
)

func newStore(t *testing.T) *websession.Store {
	db, _ := tenanttest.DB(t)
	return websession.New(db, [][]byte{[]byte(strings.Repeat("n", 32))}, true)
}

// roundTrip saves values in a new session and returns the cookie the browser would keep.
func roundTrip(t *testing.T, s *websession.Store, values map[string]string) *http.Cookie {
	t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	sess, err := s.Get(req, "sid")
	if err != nil || !sess.IsNew {
		t.Fatalf("new session: %v (new %v)", err, sess.IsNew)
	}
	for k, v := range values {
		sess.Values[k] = v
	}
	w := httptest.NewRecorder()
	if err := s.Save(req, w, sess); err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || !cookies[0].Secure || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie: %+v", cookies)
	}
	return cookies[0]
}

func load(t *testing.T, s *websession.Store, c *http.Cookie) (map[any]any, bool) {
	t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(c)
	sess, err := s.New(req, "sid")
	if err != nil {
		t.Fatal(err)
	}
	return sess.Values, !sess.IsNew
}

func TestSessionRoundTripAndEnd(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	c := roundTrip(t, s, map[string]string{"besked": "hej", "csrf": "abc"})
	values, ok := load(t, s, c)
	if !ok || values["csrf"] != "abc" || values["besked"] != "hej" {
		t.Fatalf("loaded %v (found %v)", values, ok)
	}
	// A forged or tampered cookie starts a new session.
	forged := *c
	forged.Value = c.Value[:len(c.Value)-2] + "xx"
	if _, ok := load(t, s, &forged); ok {
		t.Error("tampered cookie was accepted")
	}
	// Saving with MaxAge < 0 ends the session server-side.
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(c)
	sess, _ := s.New(req, "sid")
	sess.Options.MaxAge = -1
	if err := s.Save(req, httptest.NewRecorder(), sess); err != nil {
		t.Fatal(err)
	}
	if _, ok := load(t, s, c); ok {
		t.Error("ended session still loads")
	}
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	c := roundTrip(t, s, map[string]string{"csrf": "abc"})
	now := time.Now()
	s.Now = func() time.Time { return now.Add(s.IdleTimeout + time.Minute) }
	if _, ok := load(t, s, c); ok {
		t.Error("idle session still loads")
	}
	s.Now = func() time.Time { return now.Add(s.IdleTimeout - time.Minute) }
	if _, ok := load(t, s, c); !ok {
		t.Error("session within its idle time does not load")
	}
}
