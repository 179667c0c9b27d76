package store

import "errors"

// Errors returned by the store. Callers check them with [errors.Is]; the
// messages never contain a passphrase, a key or a field's plaintext.
var (
	// ErrLocked is returned by [Create], [Open] and [Restore] when another
	// process (or another open [Store] in this process) holds the profile.
	ErrLocked = errors.New("store: profile is open in another process")

	// ErrWrongPassphrase is returned by [Open] and [Store.ChangePassphrase]
	// when the passphrase does not unwrap the data key. Nothing was changed.
	ErrWrongPassphrase = errors.New("store: wrong passphrase")

	// ErrEmptyPassphrase is returned when a passphrase is empty.
	ErrEmptyPassphrase = errors.New("store: empty passphrase")

	// ErrPassphraseFileMode is returned by [ReadPassphraseFile] for a file
	// that users other than its owner may read.
	ErrPassphraseFileMode = errors.New("store: passphrase file is readable by other users")

	// ErrExists is returned by [Create] when the folder already holds a profile.
	ErrExists = errors.New("store: profile already exists")

	// ErrNoProfile is returned by [Open] when the folder holds no profile.
	ErrNoProfile = errors.New("store: no profile in this folder")

	// ErrNotProfile is returned by [Open] when the database file is not a
	// ratchat profile (no key ring, or a damaged one).
	ErrNotProfile = errors.New("store: not a ratchat profile database")

	// ErrSchemaTooNew is returned by [Open] when the profile was written by
	// a newer ratchat whose schema this version does not know.
	ErrSchemaTooNew = errors.New("store: profile was written by a newer ratchat")

	// ErrKDFParams is returned when Argon2id parameters are outside the
	// accepted range, whether given as an option or read from a file (a
	// tampered file must not make us allocate terabytes).
	ErrKDFParams = errors.New("store: key-derivation parameters out of range")

	// ErrInvalidProfileName is returned by [DefaultDir] for an empty name
	// or one that is not a single path element.
	ErrInvalidProfileName = errors.New("store: invalid profile name")

	// ErrDecrypt is returned when an encrypted field fails to open: the
	// file was tampered with, or a ciphertext was moved to another row or
	// column.
	ErrDecrypt = errors.New("store: field failed to decrypt")

	// ErrCorrupt is returned when a field decrypted but its contents do not
	// parse, which only a bug or a newer version can cause.
	ErrCorrupt = errors.New("store: malformed record")

	// ErrNotFound is returned when the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")

	// ErrContactExists is returned by [Store.AddContact] and
	// [Store.ChangeIdentity] when another contact has that identity key.
	ErrContactExists = errors.New("store: a contact with this identity key exists")

	// ErrIdentityExists is returned by [Store.SetIdentity] when the profile
	// already has an identity key pair: replacing it would orphan every
	// session and verification, so it is never done silently.
	ErrIdentityExists = errors.New("store: profile already has an identity key")

	// ErrSessionReset is returned by [Store.Session] for a contact whose
	// session was dropped by a restore: a fresh session must be started.
	ErrSessionReset = errors.New("store: session must be reset")

	// ErrInvalidArgument is returned for a value the store cannot hold,
	// such as an unknown status or direction.
	ErrInvalidArgument = errors.New("store: invalid argument")

	// ErrClosed is returned by every method after [Store.Close].
	ErrClosed = errors.New("store: closed")

	// ErrIsGroup is returned for what only a person has, asked of a group
	// conversation: a session, a deposit token, an identity key to change,
	// verify or accept, a block, a merge.
	ErrIsGroup = errors.New("store: not possible for a group")

	// ErrNotGroup is returned by the group methods for a conversation that
	// is not a group, and for a member that is not a person.
	ErrNotGroup = errors.New("store: not a group")

	// ErrGroupExists is returned by [Store.AddGroup] for a group id that is
	// known already. It matches [ErrExists] too.
	ErrGroupExists error = groupExistsError{}
)

// groupExistsError is [ErrGroupExists].
type groupExistsError struct{}

// Error says what exists.
func (groupExistsError) Error() string { return "store: a group with this id exists" }

// Is makes [ErrGroupExists] match [ErrExists].
func (groupExistsError) Is(target error) bool { return target == ErrExists }

// Errors returned while reading a backup. Each one leaves the existing
// profile exactly as it was.
var (
	// ErrNotBackup is returned for a file that is not a ratchat backup.
	ErrNotBackup = errors.New("store: not a ratchat backup")

	// ErrBackupVersion is returned for a backup of a format version this
	// ratchat does not read.
	ErrBackupVersion = errors.New("store: unsupported backup version")

	// ErrBackupKey is returned when the recovery key or passphrase does not
	// open the backup (or its header was altered: the two cannot be told
	// apart, by design).
	ErrBackupKey = errors.New("store: wrong backup key")

	// ErrBackupCorrupt is returned when a chunk fails authentication (a
	// flipped bit, reordered or spliced chunks) or the contents are malformed.
	ErrBackupCorrupt = errors.New("store: backup is corrupt")

	// ErrBackupTruncated is returned when the backup ends before its final
	// chunk.
	ErrBackupTruncated = errors.New("store: backup is truncated")

	// ErrOtherIdentity is matched by the [*OtherIdentityError] that
	// [Restore] returns for a backup of another identity than the existing
	// profile's, unless [WithForce] is given.
	ErrOtherIdentity = errors.New("store: the backup is of another identity")

	// ErrInvalidRecoveryKey is returned by [ParseRecoveryKey] for anything
	// but 64 decimal digits (spaces and dashes between them are allowed).
	ErrInvalidRecoveryKey = errors.New("store: recovery key must be 64 digits")
)
