// Package mailbox is the durable storage of a ratchat home: one SQLite
// database (modernc.org/sqlite, pure Go) holding each owner's mailbox of
// sealed envelopes and published prekeys. It knows nothing of the wire
// format: envelopes and prekey records are opaque bytes to it.
//
// # Durability
//
// The database runs in WAL mode with synchronous=FULL, so a transaction is
// on disk (the WAL fsynced) when Commit returns: a home tells a depositor
// "stored" only after that, and an envelope survives a crash or a power
// cut from then on. NORMAL would only survive a process crash. The cost
// of an fsync per commit is shared by group commit: every write goes
// through one writer goroutine that runs whatever has queued up meanwhile
// in a single transaction (each write in its own savepoint, so one failing
// write does not undo the others; a deposit or an Ack is one statement,
// atomic by itself, and needs none), then answers them all.
//
// # Quotas
//
// Each mailbox holds at most [Options.MaxEnvelopes] envelopes and
// [Options.MaxBytes] bytes of them, and at most [Options.MaxPreKeys]
// one-time prekeys of each kind. The writer keeps each mailbox's envelope
// count and bytes in memory (read from the database on first use, dropped
// whenever a batch fails), so that a deposit costs one INSERT.
package mailbox
