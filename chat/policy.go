package chat

import "time"

// Policy: the limits every front end enforces, defined once.
const (
	// MinPassphrase is the shortest passphrase a new profile (or a new
	// passphrase) takes, in characters: the floor we enforce, not a
	// recommendation.
	MinPassphrase = 8
	// DefaultAutoBackupEvery and DefaultAutoBackupKeep are proposed when
	// automatic backups are off.
	DefaultAutoBackupEvery = 24 * time.Hour
	DefaultAutoBackupKeep  = 7
	// MinAutoBackupEvery is the shortest interval between automatic backups.
	MinAutoBackupEvery = time.Minute

	// PreKeyRotateEvery is the age at which the signed prekey and the
	// last-resort KEM prekey are replaced by new ones (Signal rotates
	// weekly too): a key that leaks later exposes at most the sessions
	// started with it in one week, and every bundle fetched after the
	// rotation names the new key.
	PreKeyRotateEvery = 7 * 24 * time.Hour
	// PreKeyGrace is how long a prekey that is no longer offered keeps its
	// private key: a rotated signed or last-resort prekey, or a one-time
	// prekey the home has handed out. A peer may fetch our bundle and
	// send its first message (a PreKeySignalMessage naming those keys)
	// much later: offline for days, or its message waiting in a mailbox.
	// Thirty days matches how long a relay keeps an envelope (its MaxAge),
	// so a message the relay still delivers finds its keys. After that the
	// key is deleted, and a message naming it fails with
	// session.ErrUnknownPreKey and is answered with a decryption error, so
	// that the sender starts over from a fresh bundle.
	PreKeyGrace = 30 * 24 * time.Hour
	// MaxStoredPreKeys bounds how many one-time prekeys of each kind
	// (X25519, KEM) the profile stores, those at the home and those handed
	// out and waiting out their grace period together: a flood of bundle
	// requests drains the home, but never grows the owner's disk.
	MaxStoredPreKeys = 200
)

// Privacy says what the messenger tells contacts about the user's reading
// and typing. The zero value tells both, as Signal does by default.
type Privacy struct {
	// NoReadReceipts stops sending read receipts: contacts see their
	// messages delivered (✓✓), never read. Messages are still marked read
	// here.
	NoReadReceipts bool
	// NoTyping stops sending typing indicators.
	NoTyping bool
}

// Typing indicators (typing.go).
const (
	// TypingRefresh is the shortest interval between two "started typing"
	// indicators to one contact while the user keeps typing.
	TypingRefresh = 3 * time.Second
	// TypingIdle is how long the composer may sit unchanged before a
	// "stopped typing" goes out.
	TypingIdle = 5 * time.Second
	// TypingExpiry is how long a "started typing" is shown without a new
	// one: a "stopped" that was lost does not leave it on for ever.
	TypingExpiry = 6 * time.Second
)
