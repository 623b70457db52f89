package views

// DriftPath is DST's and the platform administrators' *Driftsstatus* (issue 15, the run's
// health).
const DriftPath = "/drift"

// Drift is the Driftsstatus: River's leader, the periodic jobs' last runs, every active
// kommune's delivery of the current periode, the failed jobs and the receipts not sent,
// each with the action that mends it. Every text is ready to show (Danish, dates
// DD-MM-YYYY HH:MM in Copenhagen time).
type Drift struct {
	Leder        string // "" : no leader elected
	LederValgt   string // when it was elected
	LederUdloeb  string // when its term expires unless renewed
	Periodiske   []DriftJobRun
	Periode      string // the current periode
	Kommuner     []DriftKommune
	Fejlede      []DriftJob
	FlereFejl    bool // more failed jobs than shown
	Kvitteringer []DriftKvitteringer
	Usendte      []DriftKvittering
	KanStarte    bool // the user may start a delivery (DST): the mend is a button
}

// DriftJobRun is a periodic job and its last run.
type DriftJobRun struct {
	Navn, Hvornaar string // what it does; how often it runs
	Status         string // its last run's state in Danish; "Ingen kørsel kendt" when none
	Advarsel       bool
	Oprettet       string // when its last run was enqueued
	Afsluttet      string // when it finished; "" while not
	JobURL         string // River UI's page of the job; "" when none
}

// DriftKommune is an active kommune's delivery of the current periode.
type DriftKommune struct {
	Kommune, Kode string
	Naeste        string // its next periode (I7)
	Status        string // Leveret, I kø, Fejlet, Forsinket, Afventer …
	Forklaring    string // the failed job's last error, or when it was due
	Advarsel      bool
	Startbar      bool   // Fejlet or Forsinket with no job at it: Start levering of Naeste mends it
	JobURL        string // River UI's page of its job, if any
}

// DriftJob is a failed job.
type DriftJob struct {
	ID                 string
	Type, Status       string
	Kommune            string // "" : the job is of no kommune
	Forsoeg, Fejl, Tid string
	JobURL             string
}

// DriftKvitteringer is how many receipts of a kommune could not be sent.
type DriftKvitteringer struct {
	Kommune            string
	Fejlet, GemtLokalt int
}

// DriftKvittering is one receipt not sent, with the link to its page (Send igen, I10).
type DriftKvittering struct {
	Kommune, Status, Oprettet, Fejl, URL string
}
