package worker

// PeriodicKinds are the kinds of the periodic jobs (periodicJobs in client.go), in the
// order DST's and the platform administrators' *Driftsstatus* shows their last runs (issue
// 15, the run's health; read by tenant.DB.RiverLastRuns).
var PeriodicKinds = []string{
	DeliveryRunArgs{}.Kind(), CatchUpArgs{}.Kind(), CleanupArgs{}.Kind(), LogRetentionArgs{}.Kind(),
	EksportCleanupArgs{}.Kind(), ListCountsArgs{}.Kind(), CPRIndexArgs{}.Kind(),
}
