// Package store keeps one ratchat profile in an encrypted SQLite database
// (modernc.org/sqlite, pure Go), and writes and restores encrypted backups
// of it. docs/STORAGE.md describes the design in full.
//
// # Opening a profile
//
// A profile is a folder (0700; [DefaultDir] gives the XDG one) holding
// ratchat.db and its -wal and -shm files (0600) and a lock file. [Create]
// makes one, [Open] unlocks it, [Store.Close] releases it. An exclusive
// flock keeps a second process out ([ErrLocked]).
//
// # Key hierarchy
//
// passphrase → Argon2id ([KDFParams], stored) → key-encryption key →
// XChaCha20-Poly1305 unwraps a random 256-bit data key → HKDF-SHA256
// sub-keys, one per purpose: field encryption, and one blind-index key per
// kind of look-up. A wrong passphrase fails the unwrap's tag
// ([ErrWrongPassphrase]); [Store.ChangePassphrase] re-wraps the data key.
//
// # Fields
//
// Every column that says something about a person or a message is sealed
// with XChaCha20-Poly1305 under the field key, with table, column and row
// id as associated data, so a ciphertext moved elsewhere fails to open
// ([ErrDecrypt]). Look-ups by identity key, message id or setting name go
// through HMAC-SHA256 blind indexes. Row ids, foreign keys and the order
// of rows are the only plaintext.
//
// # Operations
//
// The store is split by concern: [ProfileStore], [ContactStore],
// [SessionStore], [PreKeyStore], [MessageStore] and [OutboxStore], all
// implemented by [*Store], plus attachments and disappearing-message
// timers. [Store.CommitReceived] stores a received message, the new
// session state and the deletion of the used one-time prekeys in one
// transaction; [Store.CommitSent] does the same for a sent message.
//
// # Groups
//
// A group conversation is a row of contacts ([Store.AddGroup],
// [Contact.GroupID]) with its state and history ([Store.SaveGroupState]),
// sender keys ([Store.SaveSenderKey]) and, per message sent, each member's
// status ([Store.CommitGroupSent], [Store.SetMemberStatus]); the row's own
// status is the least advanced member's. [Store.Contacts] lists people
// only, [Store.Groups] the groups.
//
// # Backups
//
// [Store.Export] writes a logical export (never ratchet state) sealed with
// a chunked STREAM AEAD under a [RecoveryKey] or a [BackupPassphrase];
// [Restore] verifies the whole file into a new database and renames it
// into place, or leaves the profile untouched. [Store.BackupToFolder]
// keeps the newest automatic backups.
package store
