package tenant

// Indsigt: which sager and ydelser a reader may see the content of, by role and scope.

// Indsigt is which sager and ydelser a reader may see the content of – CPR-nummer, Navn,
// Bemærkninger and every other field of the sag and its ydelser – by the read rules of the
// screens (T1–T3, S9). The logs and the exports follow the same rules (issue 14 #3, #4): what
// a reader may not open on a screen, no log record or export shows them either. The zero
// value sees nothing.
type Indsigt uint8

// The kinds of Indsigt.
const (
	// IngenIndsigt sees no sag content: platform administrators (T3: they create kommuner,
	// they do not read their data), and a kommune's users without the data right (T2), such
	// as a kommuneadmin who is neither indberetter nor laeser.
	IngenIndsigt Indsigt = iota
	// KommunensIndsigt sees every sag and ydelse of the reader's own kommune, delivered or
	// not, and both lists (S9): indberetter and laeser (T1, T2).
	KommunensIndsigt
	// IndberettetIndsigt sees the delivered sager and ydelser of every kommune, what All
	// (read only) shows (I2, S9): DST (T3).
	IndberettetIndsigt
)

// IndsigtFor is the Indsigt of a reader in scope s who holds the permission to read sager
// (access.SagRead: indberetter, laeser, DST) or not (laesSag). A read-all scope reads what
// was delivered (readsDeliveredOnly), a kommune's scope its kommune.
func IndsigtFor(s Scope, laesSag bool) Indsigt {
	switch {
	case !laesSag:
		return IngenIndsigt
	case s.AllKommuner:
		return IndberettetIndsigt
	case s.Kommune != "":
		return KommunensIndsigt
	}
	return IngenIndsigt
}

// Ser tells whether the reader may see the content of a sag or ydelse that is delivered now
// (indberettet: its indberettet_at is set, I2) or not. A reader who may see a sag sees all of
// its history: the screens show its current state, which holds what the history led to.
func (i Indsigt) Ser(indberettet bool) bool {
	switch i {
	case KommunensIndsigt:
		return true
	case IndberettetIndsigt:
		return indberettet
	}
	return false
}

// SerListe tells whether the reader may read list l (S9) and what is made of it (an
// export of it): Egne IDEP holds what was never delivered, All (read only) only what was.
func (i Indsigt) SerListe(l Liste) bool {
	switch i {
	case KommunensIndsigt:
		return l.Valid()
	case IndberettetIndsigt:
		return l == ListeAlle
	}
	return false
}

// screenIndsigt is the Indsigt of the transaction's reader on the screens of the lists, the
// sager and the exports: their routes need the permission to read sager (app/routes.go), so
// it is the scope's.
func (t *Tx) screenIndsigt() Indsigt { return IndsigtFor(t.scope, true) }
