package tenant

import (
	"encoding/base64"
	"math"
	"strings"
	"testing"
	"time"
)

// TestPageCursorsReadOnlyWhatTheyWrote (issue 14 #6): the list and log cursors read back what
// the server wrote, and refuse forged ones, among them the offset that showed
// "Viser -9.223.372.036.854.775.808–…" and an id with a NUL byte. Issue 17: a list cursor
// goes in the URL, so it holds ids, never the CPR number (nor its digits) of its row.
func TestPageCursorsReadOnlyWhatTheyWrote(t *testing.T) {
	row := ListRow{SagID: 7, CPR: "0502801234", YdelseID: 42, Startdato: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)}
	for _, v := range []Visning{VisningKunSager, VisningSagerOgYdelser, VisningYdelserVedSag} {
		s := encodeCursor(v, row, 50)
		c, err := decodeCursor(v, s)
		wantID := row.YdelseID
		if v == VisningKunSager {
			wantID = row.SagID
		}
		if err != nil || c.offset != 50 || c.id != wantID || (v == VisningYdelserVedSag && !c.date.Equal(row.Startdato)) {
			t.Errorf("%s: %q decodes to %+v, %v", v, s, c, err)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(s)
		if strings.Contains(s, row.CPR) || strings.Contains(string(raw), row.CPR) || strings.Contains(string(raw), "050280") {
			t.Errorf("%s: cursor %q (%s) holds the row's CPR number", v, s, raw)
		}
	}
	at := time.Date(2025, 6, 1, 12, 0, 0, 123000, time.UTC)
	for _, at := range []time.Time{at, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_000, time.UTC)} {
		if c, err := decodeLogCursor(encodeLogCursor(100, at, 7)); err != nil || c.offset != 100 || !c.at.Equal(at) || c.id != 7 {
			t.Errorf("log cursor of %s decodes to %+v, %v", at, c, err)
		}
	}

	raw := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	withID := func(id int64) ListRow { r := row; r.SagID, r.YdelseID = id, id; return r }
	for _, tc := range []struct {
		v Visning
		s string
	}{
		{VisningKunSager, encodeCursor(VisningKunSager, row, math.MaxInt)},   // offset+1 overflows
		{VisningKunSager, encodeCursor(VisningKunSager, row, 1_000_000_001)}, // more rows than any list
		{VisningKunSager, encodeCursor(VisningKunSager, row, -50)},
		{VisningKunSager, encodeCursor(VisningKunSager, row, 0)}, // no page comes after none
		{VisningKunSager, encodeCursor(VisningKunSager, withID(0), 50)},
		{VisningKunSager, encodeCursor(VisningKunSager, withID(-7), 50)},
		{VisningKunSager, raw("50|kun-sager|7\x00")}, // NUL reached PostgreSQL
		{VisningKunSager, raw("50|kun-sager|07")},
		{VisningKunSager, raw("50|kun-sager|0502801234|1")},
		{VisningSagerOgYdelser, raw("50|sager-og-ydelser|0502801234|42")}, // the old form, with a CPR number
		{VisningSagerOgYdelser, encodeCursor(VisningSagerOgYdelser, withID(0), 50)},
		{VisningSagerOgYdelser, encodeCursor(VisningSagerOgYdelser, row, math.MaxInt)},
		{VisningYdelserVedSag, encodeCursor(VisningYdelserVedSag, row, math.MaxInt)},
		{VisningSagerOgYdelser, encodeCursor(VisningKunSager, row, 50)}, // another view's
		{VisningKunSager, raw("050|kun-sager|7")},
		{VisningKunSager, raw("+50|kun-sager|7")},
		{VisningKunSager, base64.URLEncoding.EncodeToString([]byte("50|kun-sager|7"))}, // padded
		{VisningSagerOgYdelser, raw("50|sager-og-ydelser|99999999999999999999")},
		{VisningYdelserVedSag, raw("50|ydelser-ved-sag|2024-2-1|42")},
		{VisningYdelserVedSag, raw("50|ydelser-ved-sag|2024-02-30|42")},
		{VisningKunSager, "not a cursor"},
	} {
		if _, err := decodeCursor(tc.v, tc.s); err != ErrBadCursor {
			t.Errorf("%s cursor %q: %v, want ErrBadCursor", tc.v, tc.s, err)
		}
	}
	for _, s := range []string{
		encodeLogCursor(math.MaxInt, at, 7), encodeLogCursor(0, at, 7), encodeLogCursor(-100, at, 7), encodeLogCursor(100, at, 0),
		raw("100|17487792000000000000000|7"), raw("100|1748779200000000"), raw("100|01748779200000000|7"), "%%%",
		// Times outside the years 1 to 9999 (issue 14 review #4): PostgreSQL refused the first
		// two (a 500), pgx wrapped the third around to year 294247.
		raw("100|-210866803200000001|7"), raw("100|-300000000000000000|7"), raw("100|-9223372036854775808|7"),
		raw("100|9223372036854775807|7"), raw("100|-62135596800000001|7"), raw("100|253402300800000000|7"),
	} {
		if _, err := decodeLogCursor(s); err != ErrBadLogCursor {
			t.Errorf("log cursor %q: %v, want ErrBadLogCursor", s, err)
		}
	}
}
