package app

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// TestSagScreensRecordWhatTheyShow (issue 16 #4): each screen of a sag and its ydelser that
// shows the CPR number writes one CPR access record (view), naming the screen, through the
// read that returns it (tenant.ShowSag); a change writes none, its audit record names the
// sag. A refused Tilføj ydelse shows the sag's CPR number again and records it like the form.
// (Slet ydelse records the sag it read, though it names the CPR number only where the sag
// goes with its last ydelse.)
func TestSagScreensRecordWhatTheyShow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	s, ys, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	sag, ydelse := strconv.FormatInt(s.ID, 10), strconv.FormatInt(ys[0].ID, 10)
	records := func() []tenanttest.CPRAccess { return tenanttest.CPRAccessLog(t, b.db, "101") }
	for _, step := range []struct {
		method, path string
		form         url.Values
		status       int
		detail       string // of the record written, "" for none
	}{
		{"GET", "/sager/" + sag + "/rediger", nil, http.StatusOK, "sag " + sag},
		{"GET", "/sager/" + sag + "/slet", nil, http.StatusOK, "slet sag " + sag},
		{"GET", "/sager/" + sag + "/ydelser/ny", nil, http.StatusOK, "tilføj ydelse, sag " + sag},
		{"POST", "/sager/" + sag + "/ydelser/ny", url.Values{"indsatskode": {"9.9"}}, http.StatusUnprocessableEntity,
			"tilføj ydelse, sag " + sag},
		{"GET", "/ydelser/" + ydelse + "/rediger", nil, http.StatusOK, "ydelse " + ydelse},
		{"GET", "/ydelser/" + ydelse + "/slet", nil, http.StatusOK, "slet ydelse " + ydelse},
		{"POST", "/sager/" + sag + "/rediger", url.Values{"navn": {"Niels Hansen"}, "funktionsvurdering": {s.Funktionsvurdering},
			"bemaerkninger": {"Ændret i testen"}, "version": {strconv.Itoa(s.Version)}, "handling": {"gem-og-stop"}},
			http.StatusSeeOther, ""},
	} {
		before := records()
		var r response
		if step.method == "GET" {
			r = c.get(step.path)
		} else {
			r = c.post(step.path, step.form, true)
		}
		r.mustStatus(t, step.status)
		after := records()
		switch {
		case step.detail == "" && len(after) != len(before):
			t.Errorf("%s %s wrote %d CPR access records, want none: %+v", step.method, step.path, len(after)-len(before),
				after[len(before):])
		case step.detail == "":
		case len(after) != len(before)+1:
			t.Errorf("%s %s wrote %d CPR access records, want 1", step.method, step.path, len(after)-len(before))
		default:
			if step.detail != "slet ydelse "+ydelse {
				r.mustContain(t, "150362-1235")
			}
			got := after[len(after)-1]
			if got.UserEmail != "indberetter.101@demo.invalid" || got.Action != "view" || got.Detail != step.detail ||
				!slices.Equal(got.CPRs, []string{demo.NielsHansenCPR}) {
				t.Errorf("%s %s recorded %+v, want view %q of %s", step.method, step.path, got, step.detail, demo.NielsHansenCPR)
			}
		}
	}
	if got := b.auditActions("101", "sag", sag); !slices.Contains(got, "sag.update") {
		t.Errorf("the change's audit records: %v", got)
	}
}
