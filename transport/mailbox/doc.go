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
// in a single transaction, then answers them all. Under load (a busy
// batch), the next commit starts at least 2 ms after the last, so that
// commits stay few and full; a lone write never waits.
//
// Deposits and Acks, the writes a relay makes by the thousand, are not
// run one statement each: the writer inserts all the deposits of a batch
// with a few multi-row INSERTs (giving the ids itself, above the highest
// ever given) and deletes all that its Acks name with one DELETE. Any
// other write runs in its own savepoint, so that its failure undoes only
// its own changes. [Store.DepositAsync] reports each stored envelope from
// the writer, in id order, and so does [Store.Subscribe] to the owner's
// subscribers, so that a home can push it to its owner without reading
// it back.
//
// # Backends
//
// [Backend] is what a home needs of its mailboxes; [Store] is the
// embedded one, and transport/jetstream keeps them on NATS JetStream for
// relays beyond one machine. Both return this package's errors.
//
// The data folder is locked (flock on [LockFileName]) while a store has
// it open: a second home on the same folder fails with a [*LockedError].
//
// # Quotas
//
// Each mailbox holds at most [Options.MaxEnvelopes] envelopes and
// [Options.MaxBytes] bytes of them, and at most [Options.MaxPreKeys]
// one-time prekeys of each kind. The writer keeps each mailbox's envelope
// count and bytes in memory (read from the database on first use, dropped
// whenever a batch fails), so that a deposit costs only its row.
//
// The home as a whole holds at most [Options.MaxTotalBytes] bytes of
// envelopes and [Options.MaxMailboxes] mailboxes; past them a deposit or
// a new registration fails with [ErrFull]. Nothing stored is ever dropped
// to make room. The writer keeps both totals in memory too, counted from
// the database on first use and again after a failed batch.
//
// # Expiry
//
// Envelopes older than the retention time go ([Store.Expire]), and so do
// whole mailboxes whose owner has not authenticated for that long
// ([Store.ExpireMailboxes]; [Store.Register] records each visit), with
// their envelopes and prekeys.
package mailbox
