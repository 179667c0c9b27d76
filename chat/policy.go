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
)
