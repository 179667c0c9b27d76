package jetstream

import (
	"errors"
	"fmt"

	"ratchat/transport/mailbox"
)

// Errors returned by this package, checked with [errors.Is]. A Store also
// returns the mailbox package's sentinels, as the SQLite store does.
var (
	// ErrConfig is returned by [Open] for a configuration it cannot use,
	// or one that disagrees with the stream's (another partition count).
	ErrConfig = errors.New("jetstream: bad configuration")

	// ErrRecord is returned for a key-value record, a request between
	// front ends or a stored envelope that does not parse: written by a
	// newer version, or damaged.
	ErrRecord = errors.New("jetstream: malformed record")

	// ErrNoHolder is returned when no front end took a mailbox's
	// partition within the wait (the other front ends are all gone, or
	// still starting): the deposit or ack is not done; retry.
	// It wraps [mailbox.ErrUnavailable].
	ErrNoHolder = fmt.Errorf("jetstream: no front end holds the mailbox's partition: %w", mailbox.ErrUnavailable)

	// ErrHolder is returned for a failure that a partition's holder
	// reported (its text follows).
	ErrHolder = errors.New("jetstream: the partition's holder failed")

	// errNotHolder is a holder's answer for a partition it no longer
	// holds (or does not hold yet): the caller waits for the lease to
	// move and asks again.
	errNotHolder = errors.New("jetstream: not the partition's holder")

	// errRetry is a holder's answer when the stream could not say whether
	// it stored a deposit (no answer in time, a leader election, the same
	// deposit still in process): the caller asks again, with the same
	// Nats-Msg-Id, so that it is stored once.
	errRetry = errors.New("jetstream: the stream did not answer; asking again")
)
