package chat

import "errors"

// Errors of the compliance archive and the audit log (kept apart from
// errors.go, which other work edits at the same time).
var (
	// ErrArchiveOff is returned by the archive's methods when the archive
	// was never enabled on this profile.
	ErrArchiveOff = errors.New("chat: the archive is not enabled (ratchat archive enable)")
	// ErrArchiveAhead is returned when the archive holds records past the
	// head the profile recorded and the queue does not account for them:
	// the profile was rolled back (or its archive folder belongs to
	// another state of it). Nothing is appended until it is resolved.
	ErrArchiveAhead = errors.New("chat: the archive is ahead of the profile's record of it")
	// ErrRetention is returned for a retention that is not a duration
	// ("7y", "90d", "2160h") of at least a day.
	ErrRetention = errors.New("chat: invalid retention")
	// ErrAuditEntry is returned by Audit for an entry without an action,
	// or with a field over MaxAuditField bytes.
	ErrAuditEntry = errors.New("chat: invalid audit entry")
)

// Errors of the archive's key file (chat/archive_key.go).
var (
	// ErrArchiveKeyFile is returned when the archive's key file does not
	// open under the profile's identity (another profile's archive, or a
	// damaged file), or does not parse.
	ErrArchiveKeyFile = errors.New("chat: the archive's key file cannot be read")
	// ErrArchiveForeign is returned by EnableArchive when the archive's
	// folder holds records the profile has no key for (no key file): a
	// new key would start a chain no old record opens under. Move the
	// folder aside, or bring back its key file.
	ErrArchiveForeign = errors.New("chat: the archive's folder holds records under a key this profile does not have")
)
