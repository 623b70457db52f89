package accounts

import (
	"testing"

	"github.com/alexedwards/argon2id"
)

// The constant compared against for an unknown e-mail costs what a real password's hash
// costs: it has HashPassword's parameters.
func TestDummyHashHasHashPasswordsParams(t *testing.T) {
	p, _, _, err := argon2id.DecodeHash(dummyHash)
	if err != nil {
		t.Fatal(err)
	}
	if *p != *argon2id.DefaultParams {
		t.Errorf("dummyHash has %+v, HashPassword uses %+v: make it again with HashPassword", *p, *argon2id.DefaultParams)
	}
}
