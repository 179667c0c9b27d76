// Package jetstream keeps a relay's mailboxes on NATS JetStream, so that
// any number of stateless relay front ends share them: the
// [mailbox.Backend] for relays beyond one machine (the SQLite
// [mailbox.Store] is the embedded default).
package jetstream
