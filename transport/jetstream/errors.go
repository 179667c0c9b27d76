package jetstream

import "errors"

// Errors returned by this package, checked with [errors.Is]. A Store also
// returns the mailbox package's sentinels, as the SQLite store does.
var (
	// ErrConfig is returned by [Open] for a configuration it cannot use.
	ErrConfig = errors.New("jetstream: bad configuration")

	// ErrNotImplemented is returned by the methods not written yet.
	ErrNotImplemented = errors.New("jetstream: not implemented yet")
)
