package tenant_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"indberet/tenant/domain"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// TestLeveranceDocumentInParts: a document written with NewLeveranceDocument (I5) is stored
// as gzip parts of at most 1 MiB and read back exactly, as XML and as the gzip stream; parts
// without their leverance never commit; another kommune finds nothing (T1).
func TestLeveranceDocumentInParts(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	// Random hex compresses to about half: 6 MB of it is some 3 MB of gzip, several parts.
	doc := []byte("<x>" + tenanttest.RandomHex(3, 6<<20) + "</x>")
	sum := sha256.Sum256(doc)
	var id int64
	err := db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		var err error
		if id, err = tx.ReserveLeveranceID(ctx); err != nil {
			return err
		}
		w := tx.NewLeveranceDocument(ctx, id)
		for chunk := range slices.Chunk(doc, 64<<10) {
			if _, err := w.Write(chunk); err != nil {
				return err
			}
		}
		if err := w.Close(); err != nil {
			return err
		}
		var parts, largest int
		if err := tx.ToolTx().QueryRow(ctx, `SELECT count(*), max(octet_length(data)) FROM leverance_dele WHERE leverance_id = $1`,
			id).Scan(&parts, &largest); err != nil {
			return err
		}
		if parts < 2 || largest > 1<<20 {
			t.Errorf("%d parts, the largest %d bytes; want several of at most 1 MiB", parts, largest)
		}
		_, err = tx.InsertLeverance(ctx, tenant.NewLeverance{ID: id, Periode: "2026M10", Bytes: int64(len(doc)),
			GzipSize: w.GzipSize(), SHA256: hex.EncodeToString(sum[:])})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		got, gotSum, err := tx.LeveranceDocument(ctx, id)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, doc) || gotSum != hex.EncodeToString(sum[:]) {
			t.Errorf("read back %d bytes (sha %s), wrote %d", len(got), gotSum, len(doc))
		}
		var gz bytes.Buffer
		f, err := tx.WriteLeveranceDocument(ctx, id, true, &gz)
		if err != nil {
			return err
		}
		r, err := gzip.NewReader(&gz)
		if err != nil {
			return err
		}
		unzipped, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(unzipped, doc) || f.Bytes != int64(len(doc)) || f.GzipSize == 0 {
			t.Errorf("gzip stream: %d bytes unzipped (%v); leverance %+v", len(unzipped), err, f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
		var out bytes.Buffer
		if _, err := tx.WriteLeveranceDocument(ctx, id, false, &out); !errors.Is(err, tenant.ErrNotFound) || out.Len() > 0 {
			t.Errorf("147 reading 101's leverance: %v, %d bytes; want ErrNotFound and nothing", err, out.Len())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Parts whose leverance is never inserted: the commit fails (deferred foreign key).
	err = db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		id, err := tx.ReserveLeveranceID(ctx)
		if err != nil {
			return err
		}
		w := tx.NewLeveranceDocument(ctx, id)
		if _, err := w.Write([]byte("<x/>")); err != nil {
			return err
		}
		return w.Close()
	})
	if err == nil || !strings.Contains(err.Error(), "leverance_dele") {
		t.Errorf("parts without their leverance: commit %v, want the foreign key violation", err)
	}
}

// TestEachLeveranceYdelseLetsFnUseTheTransaction: the delivery stores its document's parts
// while it reads the ydelser (I5), so fn must be able to use the transaction; with the rows
// of one open statement it could not ("conn busy" at scale, once a part was full).
func TestEachLeveranceYdelseLetsFnUseTheTransaction(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) error {
		for i := range 2500 { // more than a batch
			id, err := tx.InsertSag(ctx, domain.Sag{CPR: fmt.Sprintf("0101%06d", i), Navn: "N", Kilde: "egne"})
			if err != nil {
				return err
			}
			if _, err := tx.InsertYdelse(ctx, newYdelse(id, date(2020, 1, 1), nil)); err != nil {
				return err
			}
		}
		n := 0
		err := tx.EachLeveranceYdelse(ctx, false, func(r tenant.LeveranceYdelse) error {
			n++
			_, err := tx.ToolTx().Exec(ctx, `SELECT 1`)
			return err
		})
		if n != 2500 {
			t.Errorf("%d ydelser, want 2500", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLeveranceDocumentStoredWhole: a leverance stored before 00016, its document whole in
// leverancer.document, is read back as it was, as XML and as gzip; a new leverance without
// its reserved id and written parts is refused.
func TestLeveranceDocumentStoredWhole(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	doc := []byte("<L><R><CPR>0101801234</CPR></R></L>")
	sum := sha256.Sum256(doc)
	err := db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		f, err := tenanttest.LeveranceStoredWhole(ctx, tx, doc)
		if err != nil {
			return err
		}
		id := f.ID
		got, gotSum, err := tx.LeveranceDocument(ctx, id)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, doc) || gotSum != hex.EncodeToString(sum[:]) {
			t.Errorf("document stored whole read back as %q (%s)", got, gotSum)
		}
		var gz bytes.Buffer
		if _, err := tx.WriteLeveranceDocument(ctx, id, true, &gz); err != nil {
			return err
		}
		zr, err := gzip.NewReader(&gz)
		if err != nil {
			return err
		}
		if unzipped, err := io.ReadAll(zr); err != nil || !bytes.Equal(unzipped, doc) {
			t.Errorf("document stored whole as gzip: %q, %v", unzipped, err)
		}
		if _, err := tx.InsertLeverance(ctx, tenant.NewLeverance{Periode: "2026M10", SHA256: hex.EncodeToString(sum[:])}); err == nil {
			t.Error("a leverance without its written parts was stored")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
