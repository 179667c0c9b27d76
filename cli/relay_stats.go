package cli

import (
	"context"
	"log/slog"
	"time"

	"ratchat/transport"
)

// defaultStatsEvery is how often a relay logs its counters.
const defaultStatsEvery = 5 * time.Minute

// statsAttrs are a relay's counters as log attributes: counts of events,
// never who or what. The names are those of docs/DEPLOY.md's table.
func statsAttrs(s transport.Stats) []any {
	return []any{
		"conns_accepted", s.ConnectionsAccepted, "conns_active", s.ConnectionsActive,
		"conns_refused", s.ConnectionsRefused, "auth_failures", s.AuthFailures,
		"timeouts", s.Timeouts, "protocol_errors", s.ProtocolErrors, "rate_limited", s.RateLimited,
		"envelopes_stored", s.EnvelopesStored, "envelopes_refused", s.EnvelopesRefused,
		"envelopes_delivered", s.EnvelopesDelivered, "envelopes_resent", s.EnvelopesResent, "envelopes_acked", s.EnvelopesAcked,
		"envelopes_expired", s.EnvelopesExpired, "bytes_stored", s.BytesStored,
		"bytes_delivered", s.BytesDelivered, "bundles_served", s.BundlesServed,
		"bundles_withheld", s.BundlesWithheld, "address_limited", s.AddressLimited,
		"home_full", s.HomeFull, "mailboxes_created", s.MailboxesCreated,
		"mailboxes_expired", s.MailboxesExpired,
	}
}

// logStats logs srv's counters every interval (never if it is not
// positive) until ctx ends, and once more then.
func logStats(ctx context.Context, log *slog.Logger, srv *transport.Server, backend string, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			log.Info("relay counters", append([]any{"backend", backend}, statsAttrs(srv.Stats())...)...)
			return
		case <-t.C:
			log.Info("relay counters", append([]any{"backend", backend}, statsAttrs(srv.Stats())...)...)
		}
	}
}
