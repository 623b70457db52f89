package app

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestAuditLabelsKeyOnStoredKeys (issue 16 #5): every key of the audit records the
// Revisionslog names, orders or reads (auditFormFields, auditOtherLabels, the CPR number, the
// målgrupper) is a key the code stores: the golden file of the stored format, which
// tenant's TestAuditStoredFormat keeps equal to the code. A key renamed in the stored format
// would otherwise show raw, unordered, and a CPR number unformatted.
func TestAuditLabelsKeyOnStoredKeys(t *testing.T) {
	t.Parallel()
	golden, err := os.ReadFile("../tenant/testdata/audit_format.golden")
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, m := range regexp.MustCompile(`(?m)^\s+"([^"]+)": `).FindAllStringSubmatch(string(golden), -1) {
		stored = append(stored, m[1])
	}
	if len(stored) < 50 {
		t.Fatalf("read %d keys from the golden file; its form changed", len(stored))
	}
	read := []string{"CPR", "Maalgrupper", "Scheme", "Code", "Primaer", "ID", "SagID"} // flattenAudit, maalgrupperText, auditFieldRank
	for k := range auditFormFields {
		read = append(read, k)
	}
	for k := range auditOtherLabels {
		read = append(read, k)
	}
	for _, k := range read {
		if !slices.Contains(stored, k) {
			t.Errorf("the Revisionslog reads the key %q, which no audit record stores", k)
		}
	}
}
