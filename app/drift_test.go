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
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
	"indberet/worker"
)

// driftSection is the table row of kommune in the table with id in body (or the whole
// table when kommune is "").
func driftSection(t *testing.T, body, id, kommune string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no %s in the page", id)
	}
	body = body[i:]
	body = body[:strings.Index(body, "</table>")]
	if kommune == "" {
		return html.UnescapeString(body)
	}
	j := strings.Index(body, "("+kommune+")</")
	if j < 0 {
		t.Fatalf("no row of %s in %s: %s", kommune, id, body)
	}
	j = strings.LastIndex(body[:j], "<tr") // the whole row
	return html.UnescapeString(body[j : j+strings.Index(body[j:], "</tr>")])
}

// Issue 15, the run's health (I9, I10): the Driftsstatus shows DST and platform
// administrators River's leader, the periodic jobs' last runs, each kommune's delivery of
// the current periode with what mends it (Start levering of its next periode for Fejlet
// and Forsinket, River UI's page of a failed job), the failed jobs with their last error
// and a link to River UI, and the receipts Fejlet and Gemt lokalt per kommune with a link
// to each one's page (Send igen). No CPR number and no name is on it; kommune users are
// refused (403).
func TestDriftsstatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	tenanttest.FoerstePeriode(t, b.db, "2026M10")
	// 2026M10 was due 14-11-2026 02:00 (+ 2 h); 2026M11 is due 14-12.
	b.app.now = func() time.Time { return time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC) }
	// 101 delivered both periodes; the receipt of 2026M11 failed, that of 2026M10 is stored locally.
	var receipt int64
	for _, p := range []string{"2026M10", "2026M11"} {
		b.in("101", func(ctx context.Context, tx *tenant.Tx) (err error) {
			_, receipt, err = insertReceipt(ctx, tx, p)
			return err
		})
	}
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.SetMailStatus(ctx, receipt, tenant.MailAttempt{Status: tenant.MailFejlet, Attempted: true,
			Error: "550 5.1.1 Mailbox does not exist"})
	})
	// 147's job of 2026M10 gave up; 751 has none: it is late.
	res, err := b.app.deps.Jobs.Insert(ctx, worker.DeliveryKommuneArgs{Kommune: "147", Periode: "2026M10"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	failed := res.Job.ID
	if _, err := b.db.ToolPool().Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now(), attempt = 10,
		errors = ARRAY[jsonb_build_object('at', now(), 'attempt', 10, 'error', 'mark ydelser delivered: conflict')]
		WHERE id = $1`, failed); err != nil {
		t.Fatal(err)
	}
	// The hourly cleanup ran; a worker is the leader.
	res, err = b.app.deps.Jobs.Insert(ctx, worker.CleanupArgs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.ToolPool().Exec(ctx, `UPDATE river_job SET state = 'completed', finalized_at = now(), attempt = 1 WHERE id = $1`,
		res.Job.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.ToolPool().Exec(ctx, `INSERT INTO river_leader (leader_id, elected_at, expires_at)
		VALUES ('worker-7', now(), now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}

	dst := b.client()
	dst.login("dst@demo.invalid")
	dst.get("/").mustContain(t, `href="/drift"`, "Driftsstatus")
	r := dst.get("/drift").mustStatus(t, http.StatusOK).mustContain(t, "<h1>Driftsstatus</h1>", "Leder: worker-7",
		"Kommunernes levering af 2026M11")
	for _, s := range []string{demo.NielsHansenCPR, "Niels Hansen", "Kvittering Demoperson", "kvittering.101@demo.invalid"} {
		if contains(r.body, s) {
			t.Errorf("the Driftsstatus shows %q", s)
		}
	}
	periodic := driftSection(t, r.body, "drift-periodiske", "")
	if i := strings.Index(periodic, "Oprydning"); i < 0 || !contains(periodic[i:i+strings.Index(periodic[i:], "</tr>")], "Færdig") ||
		!contains(periodic, `href="/jobs/jobs/`+strconv.FormatInt(res.Job.ID, 10)+`"`) {
		t.Errorf("the cleanup's last run is not shown completed: %s", periodic)
	}
	if !contains(periodic, "Månedlig levering til Danmarks Statistik") || !contains(periodic, "Ingen kørsel kendt") {
		t.Errorf("the monthly run without a run: %s", periodic)
	}
	if row := driftSection(t, r.body, "drift-kommuner", "101"); !contains(row, ">Leveret") || contains(row, "Start levering") {
		t.Errorf("101: %s, want Leveret", row)
	}
	jobLink := `href="/jobs/jobs/` + strconv.FormatInt(failed, 10) + `"`
	if row := driftSection(t, r.body, "drift-kommuner", "147"); !contains(row, "Fejlet og forsinket") ||
		!contains(row, "mark ydelser delivered: conflict") || !contains(row, jobLink) ||
		!contains(row, `name="periode" value="2026M10"`) || !contains(row, `name="kommune" value="147"`) ||
		!contains(row, "Start levering af 2026M10") {
		t.Errorf("147: %s, want Fejlet with the error, its job and Start levering of 2026M10", row)
	}
	if row := driftSection(t, r.body, "drift-kommuner", "751"); !contains(row, ">Forsinket<") ||
		!contains(row, "2026M10 skulle være leveret 14-11-2026 02:00") || !contains(row, "Start levering af 2026M10") {
		t.Errorf("751: %s, want Forsinket with Start levering of 2026M10", row)
	}
	if row := driftSection(t, r.body, "drift-fejlede", "147"); !contains(row, jobLink) || !contains(row, "delivery_kommune") ||
		!contains(row, "Opgivet") || !contains(row, "10 af ") || !contains(row, "mark ydelser delivered: conflict") {
		t.Errorf("the failed job: %s", row)
	}
	if row := driftSection(t, r.body, "drift-kvittering-antal", "101"); !contains(row, `<td class="align-text-right">1</td><td class="align-text-right">1</td>`) {
		t.Errorf("101's receipts not sent: %s, want 1 Fejlet and 1 Gemt lokalt", row)
	}
	if list := driftSection(t, r.body, "drift-kvitteringer", ""); !contains(list, `href="/udbakke/`+strconv.FormatInt(receipt, 10)+`"`) ||
		!contains(list, "550 5.1.1 Mailbox does not exist") || !contains(list, "Gemt lokalt") {
		t.Errorf("the receipts not sent: %s", list)
	}
	// The receipt's page has Send igen.
	dst.get("/udbakke/"+strconv.FormatInt(receipt, 10)).mustStatus(t, http.StatusOK).mustContain(t, "Send igen")

	// The mend: Start levering of 147's next periode enqueues a fresh job (I9).
	dst.post("/levering", url.Values{"periode": {"2026M10"}, "kommune": {"147"}}, true).mustStatus(t, http.StatusSeeOther)
	if row := driftSection(t, dst.get("/drift").body, "drift-kommuner", "147"); !contains(row, "I kø") || contains(row, jobLink) ||
		contains(row, "Start levering") {
		t.Errorf("147 after Start levering: %s, want I kø with its new job", row)
	}

	// The platform administrator sees it, without Start levering (DST's).
	p := b.client()
	p.login("platform@demo.invalid")
	p.get("/").mustContain(t, `href="/drift"`)
	r = p.get("/drift").mustStatus(t, http.StatusOK).mustContain(t, "<h1>Driftsstatus</h1>", jobLink)
	if row := driftSection(t, r.body, "drift-kommuner", "751"); contains(row, "<form") || !contains(row, "Danmarks Statistik kan starte leveringen af 2026M10") {
		t.Errorf("751 for the platform administrator: %s", row)
	}

	// The kommuner's users: no link, no page.
	for _, email := range []string{"kommuneadmin.101@demo.invalid", "laeser.101@demo.invalid", "indberetter.147@demo.invalid"} {
		k := b.client()
		k.login(email)
		if contains(k.get("/").body, `href="/drift"`) {
			t.Errorf("%s's start page links to /drift", email)
		}
		k.get("/drift").mustStatus(t, http.StatusForbidden)
	}
}
