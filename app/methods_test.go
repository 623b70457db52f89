package app

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var paramRE = regexp.MustCompile(`:[a-z]+|\*`)

// routeMethods are the methods of the route table by path, as the 405's Allow header lists
// them: HEAD with every GET.
func routeMethods(routes []Route) map[string][]string {
	out := map[string][]string{}
	for _, r := range routes {
		out[r.Path] = append(out[r.Path], r.Method)
		if r.Method == http.MethodGet {
			out[r.Path] = append(out[r.Path], http.MethodHead)
		}
	}
	return out
}

// TestHeadAnswersLikeGet (issue 14 #9): HEAD on every GET route of the table answers what GET
// answers, status and headers, without the body.
func TestHeadAnswersLikeGet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	for _, r := range b.app.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		path := paramRE.ReplaceAllString(r.Path, "1")
		get := c.get(path)
		head := c.do(httptest.NewRequest(http.MethodHead, path, nil))
		if head.status != get.status || head.body != "" ||
			head.header.Get("Content-Type") != get.header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q with %d bytes; GET: %d %q", path, head.status, head.header.Get("Content-Type"),
				len(head.body), get.status, get.header.Get("Content-Type"))
		}
	}
	anon := b.client()
	for _, path := range []string{"/healthz", "/readyz", "/login", "/static/app.js"} {
		if r := anon.do(httptest.NewRequest(http.MethodHead, path, nil)); r.status != http.StatusOK || r.body != "" {
			t.Errorf("HEAD %s: %d, %d bytes", path, r.status, len(r.body))
		}
	}
}

// TestWrongMethodIs405 (issue 14 #9): a method a path has no route for is 405 with the Allow
// header naming the methods it has, on a Danish page, before the CSRF check (no token sent);
// a path no route has stays 404.
func TestWrongMethodIs405(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	for path, methods := range routeMethods(b.app.Routes()) {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if slices.Contains(methods, m) {
				continue
			}
			p := paramRE.ReplaceAllString(path, "1")
			r := c.do(httptest.NewRequest(m, p, nil))
			allow := strings.Split(r.header.Get("Allow"), ", ")
			slices.Sort(allow)
			want := slices.Sorted(slices.Values(methods))
			if r.status != http.StatusMethodNotAllowed || !slices.Equal(allow, want) {
				t.Errorf("%s %s: %d, Allow %v; want 405, Allow %v", m, p, r.status, allow, want)
				continue
			}
			r.mustContain(t, "Ikke tilladt", "Siden kan ikke bruges på denne måde.")
		}
	}
	b.client().post("/findes-ikke", nil, false).mustStatus(t, http.StatusNotFound).mustContain(t, "Siden findes ikke")
}
