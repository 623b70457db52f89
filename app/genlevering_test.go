package app

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/domain"
	"indberet/views"
	"indberet/worker"
)

// currentLeverance waits (up to 60 s, the workers deliver) until kommune's leverance of
// periode has version at least v, and returns it.
func (b *bundle) currentLeverance(kommune, periode string, v int) tenant.Leverance {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var l tenant.Leverance
		var err error
		b.in(kommune, func(ctx context.Context, tx *tenant.Tx) error {
			l, err = tx.LeveranceForPeriode(ctx, periode)
			return nil
		})
		if err == nil && l.Version >= v {
			return l
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("no version %d of %s's %s: %+v, %v", v, kommune, periode, l, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Issue 15, Genlevering (I8), over HTTP as DST: *Genlever* with a required Årsag, only for
// the kommune's latest delivered periode (422 with the values kept otherwise); a genlevering
// makes version 2, version 1 stays downloadable (with its CPR access record), the receipt
// says Genlevering and why, and the audit log has it. /levering and the lists show the version.
func TestGenleverOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.startWorkers()
	periode := domain.PeriodeBefore(time.Now()) // 101's next: the month before the demo activated it
	c := b.client()
	c.login("dst@demo.invalid")
	c.get("/levering")
	c.post("/levering", url.Values{"periode": {periode}, "kommune": {"101"}}, true).mustStatus(t, http.StatusSeeOther)
	v1 := b.currentLeverance("101", periode, 1)

	// Refused: no kommune, no reason, a periode that is not the latest delivered (422, the
	// values kept, nothing enqueued).
	for _, tc := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"kommune": {""}, "aarsag": {"Rettelser"}}, "Vælg kommunen, der skal genleveres."},
		{url.Values{"kommune": {"101"}, "aarsag": {"  "}}, "Skriv årsagen til genleveringen."},
		{url.Values{"kommune": {"101"}, "periode": {"2026M01"}, "aarsag": {"Rettelser af januar"}},
			"Periode 2026M01 kan ikke genleveres for København (101): kun den seneste leverede periode kan genleveres, og det er " + periode + "."},
		{url.Values{"kommune": {"147"}, "aarsag": {"Rettelser"}}, "Frederiksberg (147) har ingen leveret periode, der kan genleveres."},
	} {
		r := c.post(views.GenleverPath, tc.form, true).mustStatus(t, http.StatusUnprocessableEntity)
		r.mustContain(t, tc.msg, "Leveringsoversigt")
		if a := tc.form.Get("aarsag"); strings.TrimSpace(a) != "" && !strings.Contains(html.UnescapeString(r.body), ">"+a+"</textarea>") {
			t.Errorf("%v: the reason is not kept", tc.form)
		}
		if p := tc.form.Get("periode"); p != "" && !strings.Contains(r.body, `value="`+p+`"`) {
			t.Errorf("%v: the periode is not kept", tc.form)
		}
	}
	if n := b.auditCount("levering.genlevering"); n != 0 {
		t.Fatalf("%d genleveringer recorded by refused starts", n)
	}
	// Missing CSRF: 403.
	c.post(views.GenleverPath, url.Values{"kommune": {"101"}, "aarsag": {"x"}}, false).mustStatus(t, http.StatusForbidden)

	const aarsag = "Forkerte slutdatoer rettet"
	r := c.post(views.GenleverPath, url.Values{"kommune": {"101"}, "aarsag": {aarsag}}, true).mustStatus(t, http.StatusSeeOther)
	if r.header.Get("Location") != views.LeveringPath {
		t.Errorf("redirect to %q", r.header.Get("Location"))
	}
	c.get("/levering").mustContain(t, "Genlevering (version 2) af "+periode+" for København (101) er sat i kø.")
	if n := b.auditCount("levering.genlevering"); n != 1 {
		t.Errorf("%d audit records levering.genlevering, want 1", n)
	}
	v2 := b.currentLeverance("101", periode, 2)
	if v2.Version != 2 || v2.Aarsag != aarsag || v2.ID == v1.ID {
		t.Fatalf("after the genlevering: %+v", v2)
	}
	// /levering shows the current version; the list and the leverance page each version.
	if row := leveringRow(t, c.get("/levering").body, "101"); !strings.Contains(row, periode+" (version 2)") {
		t.Errorf("101's row does not show version 2: %s", row)
	}
	c.get(views.LeverancerPath+"?kommune=101").mustContain(t, periode+" (version 2)", "Genlevering: "+aarsag)
	c.get(views.LeverancePath(v2.ID)).mustContain(t, "Levering "+periode+" (version 2)", "Årsag til genlevering", aarsag)

	// Both versions stay downloadable for the kommune, each with its CPR access record.
	k := b.client()
	k.login("indberetter.101@demo.invalid")
	for _, l := range []tenant.Leverance{v1, v2} {
		d := k.get(views.LeveranceDocumentPath(l.ID)).mustStatus(t, http.StatusOK)
		if !strings.Contains(d.body, "<dst:Period>"+periode+"</dst:Period>") {
			t.Errorf("version %d's document: %.200s", l.Version, d.body)
		}
	}
	if log := b.cprLog("101", "download"); len(log) != 2 || !strings.Contains(log[0], "leverance="+strconv.FormatInt(v1.ID, 10)) {
		t.Errorf("CPR access records of the downloads: %v", log)
	}

	// The receipt of version 2 says it is a genlevering and why.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var m tenant.Mail
		var err error
		b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
			m, err = tx.ReceiptMail(ctx, v2.ID, false)
			return nil
		})
		if err == nil {
			if !strings.Contains(m.Text, "Genlevering (version 2) af "+periode) || !strings.Contains(m.Text, "Årsag: "+aarsag) {
				t.Errorf("receipt of version 2:\n%s", m.Text)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no receipt of version 2: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A genlevering is refused (422) while a delivery of the kommune's periode is queued or
// running, a second click included: one version at a time (I8).
func TestGenleverRefusedWhileQueued(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.deliveries() // 101 and 147 have delivered 2026M09; no worker runs here
	c := b.client()
	c.login("dst@demo.invalid")
	c.get("/levering")
	form := url.Values{"kommune": {"101"}, "aarsag": {"Rettelser"}}
	c.post(views.GenleverPath, form, true).mustStatus(t, http.StatusSeeOther)
	if jobs := b.kommuneJobs(t); len(jobs) != 1 || jobs[0] != (worker.DeliveryKommuneArgs{Kommune: "101", Periode: "2026M09",
		Version: 2, Aarsag: "Rettelser"}) {
		t.Fatalf("jobs after the genlevering: %+v", jobs)
	}
	c.post(views.GenleverPath, form, true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, "København (101) har en levering af 2026M09 i kø eller i gang.")
	if n := len(b.kommuneJobs(t)); n != 1 || b.auditCount("levering.genlevering") != 1 {
		t.Errorf("%d jobs after the second click, want 1", n)
	}
	// The kommune's own users cannot start one (DeliveryRun is DST's).
	k := b.client()
	k.login("kommuneadmin.101@demo.invalid")
	k.get("/")
	if r := k.post(views.GenleverPath, form, true); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
		t.Errorf("kommuneadmin's genlevering: status %d", r.status)
	}
}
