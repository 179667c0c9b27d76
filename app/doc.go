// Package app joins ratchat's pieces for the command line and the
// interface: it opens a profile (store), runs its messenger (chat) and
// presents both to the Bubble Tea interface (ui) through the ui.Opener and
// ui.Core interfaces.
//
// # What the adapter adds
//
// The core reports stored messages and typed events; the interface wants
// view models. The adapter maps one onto the other and keeps the few
// things the interface needs that the core does not store:
//
//   - Unread counts. A contact's unread count is the number of incoming
//     messages after the newest incoming message marked read, counted
//     among the newest [unreadScan] messages of the chat (so "99+" chats
//     cost one page). Marking a chat read sends read receipts for every
//     unread message up to the point the interface gives.
//   - System lines (key changed, session reset, verified, timer) and file
//     marks, which the core reports as events but does not keep in the
//     history: the adapter stores them in an encrypted setting per contact
//     and merges them into the pages of messages. To place a system line
//     between two messages, the interface's Seq is the store's sequence
//     number shifted left by [seqShift] bits; a system line takes the Seq
//     of the message before it plus a small counter.
//   - Presence: a contact is shown online for five minutes after anything
//     arrived from it or its home accepted a message for it.
//
// # Restores
//
// [Core.RestoreBackup] stops the messenger, closes the store, lets
// store.Restore swap the restored database in (or leave the old one
// untouched), and opens and starts everything again under the same
// passphrase. The interface keeps the same event channel throughout.
//
// # Automatic backups
//
// The messenger keeps the schedule and writes the backups while it runs;
// [Core.EnableAutoBackup] makes the folder absolute and creates it first,
// and each chat.BackupWritten reaches the interface as a
// ui.BackupWrittenEvent.
//
// # Test hook
//
// With the environment variable RATCHAT_TEST_KDF=fast, new key rings
// (created profiles, changed passphrases, restored profiles) use a tiny
// Argon2id cost. Only tests set it: a profile made so is cheap to guess.
package app
