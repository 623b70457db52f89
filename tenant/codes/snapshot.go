package codes

import "indberet/tenant/domain"

// FromCSV makes a snapshot of the embedded CSV files, parsed as Load parses them: for tests
// and tools that need the code lists without a database.
func FromCSV() (*domain.Snapshot, error) {
	f, err := readFiles()
	if err != nil {
		return nil, err
	}
	return domain.NewSnapshot(values(f.Indsatser), values(f.Maalgrupper), values(f.Tilbudstyper),
		values(f.FFBYdelser), values(f.Kommuner)), nil
}
