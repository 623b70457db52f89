package tenant_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// Downloads read their file a batch at a time, each batch in a short transaction of its own
// (issue 14 #1): these tests read the documents and files back exactly, refuse a file that
// changes under its download, and keep the downloads to their share of the pool.

var scope101 = tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "test"}}

// inScope runs fn in s and fails the test on error.
func inScope(t *testing.T, db *tenant.DB, s tenant.Scope, fn func(ctx context.Context, tx *tenant.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.InScope(ctx, s, func(tx *tenant.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// readDownload reads r whole and checks its size against the announced one (-1: unknown).
func readDownload(t *testing.T, what string, r io.Reader, size int64) []byte {
	t.Helper()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v after %d bytes", what, err, len(got))
	}
	if size >= 0 && int64(len(got)) != size {
		t.Errorf("%s: %d bytes, announced %d", what, len(got), size)
	}
	return got
}

func gunzip(t *testing.T, what string, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return out
}

// TestLeveranceDownload: a document in gzip parts and one stored whole (before 00016), both
// of several batches, download as XML and as gzip exactly as stored, with the size known
// where it can be (I5); another kommune's scope gets nothing (T1).
func TestLeveranceDownload(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	doc := []byte("<L>" + tenanttest.RandomHex(1, 6<<20) + "</L>")
	whole := []byte("<L>" + tenanttest.RandomHex(2, 5<<19) + "</L>") // 2.5 MB: three slices
	var parts, old tenant.LeveranceFil
	inScope(t, db, scope101, func(ctx context.Context, tx *tenant.Tx) (err error) {
		parts, old, err = tenanttest.LeverancerBothWays(ctx, tx, doc, whole)
		return err
	})
	if parts.GzipSize <= 1<<20 || old.GzipSize != 0 || old.Bytes != int64(len(whole)) {
		t.Fatalf("leverancer: in parts %+v, whole %+v", parts, old)
	}
	for _, c := range []struct {
		name    string
		f       tenant.LeveranceFil
		want    []byte
		gzipped bool
		size    int64
	}{
		{"parts as XML", parts, doc, false, int64(len(doc))},
		{"parts as gzip", parts, doc, true, parts.GzipSize},
		{"whole as XML", old, whole, false, int64(len(whole))},
		{"whole as gzip", old, whole, true, -1},
	} {
		r, size := db.LeveranceDownload(ctx, scope101, c.f, c.gzipped)
		if size != c.size {
			t.Errorf("%s: size %d, want %d", c.name, size, c.size)
		}
		got := readDownload(t, c.name, r, size)
		if c.gzipped {
			got = gunzip(t, c.name, got)
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s: %d bytes read back, stored %d", c.name, len(got), len(c.want))
		}
	}
	for _, f := range []tenant.LeveranceFil{parts, old} {
		r, _ := db.LeveranceDownload(ctx, tenant.Scope{Kommune: "147"}, f, false)
		if got, err := io.ReadAll(r); err == nil || len(got) > 0 {
			t.Errorf("147 downloading 101's leverance %d: %d bytes, %v; want nothing and an error", f.ID, len(got), err)
		}
	}
}

// TestDownloadOfAChangedFile: a download that finds its file changed after its first batch
// (an export deleted at its expiry, or run again; a document stored whole rewritten by the
// owner) ends with an error instead of handing on a file cut short or mixed of two versions.
func TestDownloadOfAChangedFile(t *testing.T) {
	t.Parallel()
	db, ownerURL := tenanttest.DB(t)
	ctx := context.Background()
	file := tenanttest.RandomHex(3, 3<<20) // three batches
	export := func() tenant.Eksport {
		var e tenant.Eksport
		inScope(t, db, scope101, func(ctx context.Context, tx *tenant.Tx) (err error) {
			e, err = tenanttest.FinishedEksport(ctx, tx, file, "0101801234")
			return err
		})
		return e
	}
	// readAfterChange reads the first byte of r (its first batch), runs change, reads on.
	readAfterChange := func(what string, r io.Reader, change func()) {
		t.Helper()
		if _, err := r.Read(make([]byte, 1)); err != nil {
			t.Fatalf("%s: first byte: %v", what, err)
		}
		change()
		got, err := io.ReadAll(r)
		if err == nil || !strings.Contains(err.Error(), "changed") {
			t.Errorf("%s: read on %d bytes, %v; want the error of a changed file", what, len(got), err)
		}
	}

	e := export()
	r, size := db.EksportDownload(ctx, scope101, e)
	if got := readDownload(t, "export", r, size); string(got) != file {
		t.Errorf("export: %d bytes read back, stored %d", len(got), len(file))
	}
	r, _ = db.EksportDownload(ctx, scope101, e)
	readAfterChange("an export deleted at its expiry", r, func() {
		inScope(t, db, scope101, func(ctx context.Context, tx *tenant.Tx) error {
			_, err := tx.SletUdloebneEksporter(ctx, time.Now().Add(100*tenant.EksportLevetid))
			return err
		})
	})
	e = export()
	r, _ = db.EksportDownload(ctx, scope101, e)
	readAfterChange("an export run again", r, func() {
		inScope(t, db, scope101, func(ctx context.Context, tx *tenant.Tx) error {
			// Queued anew first: StartEksport leaves a done export alone (ErrEksportFaerdig).
			if err := tx.EksportFejlede(ctx, e.ID, tenant.EksportIKoe, ""); err != nil {
				return err
			}
			if err := tx.StartEksport(ctx, e.ID, 1, tenant.EksportForsoeg{Frist: time.Minute}); err != nil {
				return err
			}
			fil := tx.EksportFil(ctx, e.ID)
			if _, err := io.WriteString(fil, strings.ToUpper(file)); err != nil { // the same size
				return err
			}
			if err := fil.Close(); err != nil {
				return err
			}
			return tx.FinishEksport(ctx, e.ID, tenant.EksportResultat{Raekker: 1, Bytes: fil.Size()})
		})
	})

	whole := []byte("<L>" + tenanttest.RandomHex(4, 3<<20) + "</L>")
	var f tenant.LeveranceFil
	inScope(t, db, scope101, func(ctx context.Context, tx *tenant.Tx) (err error) {
		f, err = tenanttest.LeveranceStoredWhole(ctx, tx, whole)
		return err
	})
	r, _ = db.LeveranceDownload(ctx, scope101, f, false)
	readAfterChange("a document stored whole, cut short by its owner", r, func() {
		owner, err := pgx.Connect(ctx, ownerURL)
		if err != nil {
			t.Fatal(err)
		}
		defer owner.Close(ctx)
		err = pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT set_config('indberet.kommune', '101', true)`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE leverancer SET document = substring(document FOR 100), byte_size = 100 WHERE id = $1`, f.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestDownloadsTakeAShareOfThePool: downloads read their batches with at most a quarter of the
// pool's connections (issue 14 #1). With the parts' table locked, every batch waits inside
// its transaction: of a pool of 8, two connections are taken however many downloads wait,
// and the other requests go on; a download that cannot get a slot before its context ends
// fails with that. Unlocked, every download reads its file whole.
func TestDownloadsTakeAShareOfThePool(t *testing.T) {
	t.Parallel()
	ownerURL := tenanttest.OwnerURL(t)
	ctx := context.Background()
	db, err := tenant.Open(ctx, ownerURL, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	file := tenanttest.RandomHex(5, 2<<20)
	var e tenant.Eksport
	inScope(t, db, scope101, func(ctx context.Context, tx *tenant.Tx) (err error) {
		e, err = tenanttest.FinishedEksport(ctx, tx, file, "0101801234")
		return err
	})
	owner, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	lock, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(ctx, `LOCK TABLE eksport_dele IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	const downloads = 6
	var wg sync.WaitGroup
	got := make([][]byte, downloads)
	errs := make([]error, downloads)
	for i := range downloads {
		wg.Go(func() {
			r, _ := db.EksportDownload(ctx, scope101, e)
			got[i], errs[i] = io.ReadAll(r)
		})
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waited 10 s for %s", what)
			}
		}
	}
	waitFor("two downloads to wait on the lock", func() bool { return db.ToolPool().Stat().AcquiredConns() >= 2 })
	time.Sleep(200 * time.Millisecond) // time for more to take a connection, if they could
	if n := db.ToolPool().Stat().AcquiredConns(); n != 2 {
		t.Errorf("%d downloads waiting: %d of the pool's 8 connections taken, want 2", downloads, n)
	}
	start := time.Now()
	var one int
	inScope(t, db, tenant.Scope{Kommune: "147"}, func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT 1`).Scan(&one)
	})
	if took := time.Since(start); took > time.Second {
		t.Errorf("another kommune's transaction took %s while the downloads wait", took)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	r, _ := db.EksportDownload(short, scope101, e)
	if _, err := io.ReadAll(r); err == nil || !strings.Contains(err.Error(), "download slot") {
		t.Errorf("a download whose context ends while it waits for a slot: %v", err)
	}

	if err := lock.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i := range downloads {
		if errs[i] != nil || string(got[i]) != file {
			t.Errorf("download %d: %d bytes, %v; want the %d stored", i, len(got[i]), errs[i], len(file))
		}
	}
}
