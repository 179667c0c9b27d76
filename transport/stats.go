package transport

import "sync/atomic"

// Stats are a home's counters since it started. They count events, never
// who or what: no key, address or content is kept.
type Stats struct {
	ConnectionsAccepted uint64 // connections served
	ConnectionsActive   int64  // connections open now
	ConnectionsRefused  uint64 // connections turned away (too many)
	AuthFailures        uint64 // Auth messages that failed to verify, or were forbidden
	Timeouts            uint64 // connections dropped as idle or too slow
	ProtocolErrors      uint64 // connections dropped for malformed or unexpected messages
	RateLimited         uint64 // requests refused by the rate limit
	EnvelopesStored     uint64 // deposits stored
	EnvelopesRefused    uint64 // deposits refused (quota, unknown recipient)
	EnvelopesDelivered  uint64 // envelopes pushed to owners (a redelivery counts again)
	EnvelopesResent     uint64 // of those, pushed again because a live offer was missed (a [mailbox.Resyncer] backend)
	EnvelopesAcked      uint64 // envelopes deleted on the owner's Ack
	EnvelopesExpired    uint64 // envelopes deleted unacknowledged after the retention time
	BytesStored         uint64 // envelope bytes stored
	BytesDelivered      uint64 // envelope bytes pushed
	BundlesServed       uint64 // bundles handed out
	BundlesWithheld     uint64 // of those, bundles without one-time prekeys because the owner's were fetched too fast
	AddressLimited      uint64 // connections and requests refused by a per-address limit
	HomeFull            uint64 // deposits and registrations refused because the home was full
	MailboxesCreated    uint64 // mailboxes registered
	MailboxesExpired    uint64 // mailboxes deleted because their owner stayed away
}

// counters is the live, atomic form of Stats.
type counters struct {
	connsAccepted, connsRefused, authFailures, timeouts, protocolErrors atomic.Uint64
	rateLimited, stored, refused, delivered, acked, expired             atomic.Uint64
	bytesStored, bytesDelivered, bundles                                atomic.Uint64
	withheld, addrLimited, homeFull, created, mailboxesExpired          atomic.Uint64
	resent                                                              atomic.Uint64
	connsActive                                                         atomic.Int64
}

// snapshot reads every counter.
func (c *counters) snapshot() Stats {
	return Stats{
		ConnectionsAccepted: c.connsAccepted.Load(), ConnectionsActive: c.connsActive.Load(),
		ConnectionsRefused: c.connsRefused.Load(), AuthFailures: c.authFailures.Load(),
		Timeouts: c.timeouts.Load(), ProtocolErrors: c.protocolErrors.Load(),
		RateLimited: c.rateLimited.Load(), EnvelopesStored: c.stored.Load(),
		EnvelopesRefused: c.refused.Load(), EnvelopesDelivered: c.delivered.Load(),
		EnvelopesResent: c.resent.Load(),
		EnvelopesAcked:  c.acked.Load(), EnvelopesExpired: c.expired.Load(),
		BytesStored: c.bytesStored.Load(), BytesDelivered: c.bytesDelivered.Load(),
		BundlesServed: c.bundles.Load(), BundlesWithheld: c.withheld.Load(),
		AddressLimited: c.addrLimited.Load(), HomeFull: c.homeFull.Load(),
		MailboxesCreated: c.created.Load(), MailboxesExpired: c.mailboxesExpired.Load(),
	}
}
