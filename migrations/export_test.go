package migrations

// Files are the migration files, for the tests that apply one of them by itself.
var Files = files
