package transport

import (
	"context"
	"errors"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// handle answers one request and reports whether the connection goes on.
func (c *serverConn) handle(id uint32, m Message) bool {
	switch m := m.(type) {
	case *Ping:
		c.send(id, &Pong{})
	case *Auth:
		return c.handleAuth(id, m)
	case *Deposit:
		c.handleDeposit(id, m)
	case *FetchBundle:
		c.handleFetchBundle(id, m)
	case *UploadPreKeys:
		c.ownerOnly(id, func(owner keys.PublicKey) { c.handleUpload(id, owner, m) })
	case *CountPreKeys:
		c.ownerOnly(id, func(owner keys.PublicKey) { c.handleCount(id, owner) })
	case *Fetch:
		c.ownerOnly(id, func(keys.PublicKey) { c.handleFetch(id) })
	case *Ack:
		c.ownerOnly(id, func(owner keys.PublicKey) { c.handleAck(id, owner, m) })
	case *Tokens:
		c.ownerOnly(id, func(owner keys.PublicKey) { c.handleTokens(id, owner, m) })
	default:
		c.drop(id, CodeUnexpected, "not a request")
		return false
	}
	return true
}

// ownerOnly runs fn for an authenticated connection, and refuses the
// request otherwise. Why: only the owner may read its mailbox, delete
// from it, or decide which prekeys others start sessions with.
func (c *serverConn) ownerOnly(id uint32, fn func(owner keys.PublicKey)) {
	if c.owner == nil {
		c.fail(id, CodeNotAuthenticated, "authenticate first")
		return
	}
	fn(*c.owner)
}

// handleAuth verifies the owner's signature over this connection's
// challenge, then checks that this home serves that owner (registering
// it in an open relay). Any failure closes the connection, so that each
// guess costs a new connection and a new challenge.
func (c *serverConn) handleAuth(id uint32, a *Auth) bool {
	if c.owner != nil {
		c.drop(id, CodeUnexpected, "already authenticated")
		return false
	}
	if err := a.Verify(&c.hello); err != nil {
		c.srv.stats.authFailures.Add(1)
		c.goodbye, c.byeID = &Error{Code: CodeAuthFailed}, id
		return false
	}
	if !c.srv.serves(a.Identity) {
		c.srv.stats.authFailures.Add(1)
		c.goodbye, c.byeID = &Error{Code: CodeForbidden, Text: "this home does not serve that identity"}, id
		return false
	}
	if c.srv.cfg.Mode == RelayMode && !c.register(id, a.Identity) {
		return false
	}
	owner := a.Identity
	c.srv.mu.Lock() // for Server.connectedOwners; this goroutine reads it unlocked
	c.owner = &owner
	c.srv.mu.Unlock()
	c.send(id, &OK{})
	return true
}

// register records an owner's visit to a relay, creating its mailbox if it
// has none, within the home's mailbox cap and the address's registration
// limit (asked only for a new mailbox). It answers the request itself if
// it fails.
func (c *serverConn) register(id uint32, owner keys.PublicKey) bool {
	srv := c.srv
	now := srv.cfg.Now()
	created, err := srv.store.RegisterWith(owner, now, func() error {
		if !srv.limit.allow(c.addr, limitRegister, now) {
			return errAddrLimited
		}
		return nil
	})
	if errors.Is(err, errAddrLimited) {
		srv.stats.addrLimited.Add(1)
		c.fail(id, CodeRateLimited, "too many new mailboxes from your address")
		return false
	}
	if err != nil {
		c.storeFailed(id, err)
		return false
	}
	if created {
		srv.stats.created.Add(1)
		c.log.Info("mailbox created")
	}
	return true
}

// serves reports whether the home serves identity: in peer mode only its
// owner, in relay mode anyone or the allow-list. Keys are compared in
// constant time, though they are not secret, as a matter of habit.
func (s *Server) serves(identity keys.PublicKey) bool {
	if s.cfg.Mode == PeerMode {
		return identity.Equal(s.cfg.Owner)
	}
	if len(s.cfg.AllowList) == 0 {
		return true
	}
	ok := false
	for _, k := range s.cfg.AllowList {
		ok = k.Equal(identity) || ok
	}
	return ok
}

// handleDeposit queues the envelope for the next commit and answers from
// another goroutine once it is on disk, so that the reader can take the
// next request meanwhile. The in-flight slots bound what one connection
// holds in memory; when they are full, the reader waits. Once committed,
// the backend offers the envelope to its owner's pusher, if subscribed.
// A lifetime longer than the retention is cut to it: the home keeps
// nothing longer than that anyway.
func (c *serverConn) handleDeposit(id uint32, d *Deposit) {
	if !c.srv.limit.allow(c.addr, limitDeposit, c.srv.cfg.Now()) {
		c.srv.stats.addrLimited.Add(1)
		c.srv.stats.refused.Add(1)
		c.fail(id, CodeRateLimited, "too many deposits from your address")
		return
	}
	if d.Token.IsZero() {
		c.srv.stats.refused.Add(1)
		c.fail(id, CodeTokenRequired, "a deposit needs a token from the recipient")
		return
	}
	c.worked()
	size := int64(len(d.Envelope))
	c.inFlight.acquire(size)
	c.answers.Add(1)
	srv := c.srv
	now := srv.cfg.Now()
	res := make(chan mailbox.DepositResult, 1)
	lifetime := min(d.Lifetime, srv.lim.Retention)
	srv.store.DepositTokenAsync(d.Recipient, tokenHash(d.Recipient, d.Token), d.Envelope, now, lifetime, func(r mailbox.DepositResult) {
		res <- r
	})
	go func() {
		defer c.answers.Done()
		r := <-res
		c.inFlight.release(size)
		if r.Err != nil {
			srv.stats.refused.Add(1)
			c.storeFailed(id, r.Err)
			return
		}
		srv.stats.stored.Add(1)
		srv.stats.bytesStored.Add(uint64(len(d.Envelope)))
		c.send(id, &Stored{ID: r.ID})
	}()
}

// handleFetchBundle hands out one bundle of the requested owner, within
// the requesting address's limit (beyond it the request is refused) and
// the owner's (beyond it the bundle has no one-time prekeys, and consumes
// nothing). Why the owner's limit degrades instead of refusing: a flood
// from many addresses must not stop honest senders starting sessions; the
// last-resort KEM prekey keeps those sessions post-quantum, and the
// one-time prekeys stay for later.
func (c *serverConn) handleFetchBundle(id uint32, f *FetchBundle) {
	srv := c.srv
	now := srv.cfg.Now()
	if !srv.limit.allow(c.addr, limitBundle, now) {
		srv.stats.addrLimited.Add(1)
		c.fail(id, CodeRateLimited, "too many bundle requests from your address")
		return
	}
	c.worked()
	var h mailbox.Handout
	var err error
	withheld := !srv.limit.allowTarget(f.Identity, now)
	if withheld {
		h, err = srv.store.PeekPreKeys(context.Background(), f.Identity)
	} else {
		h, err = srv.store.TakePreKeys(f.Identity)
	}
	if err != nil {
		c.storeFailed(id, err)
		return
	}
	reply, err := bundleFromHandout(f.Identity, &h)
	if err != nil {
		c.log.Error("stored prekeys unreadable", "err", err)
		c.fail(id, CodeInternal, "")
		return
	}
	srv.stats.bundles.Add(1)
	if withheld {
		srv.stats.withheld.Add(1)
	}
	c.send(id, reply)
}

// handleUpload checks every signature, then stores the prekeys.
func (c *serverConn) handleUpload(id uint32, owner keys.PublicKey, u *UploadPreKeys) {
	if err := u.Verify(owner); err != nil {
		c.fail(id, CodeBadPreKeys, "a prekey signature does not verify")
		return
	}
	if err := c.srv.store.PutPreKeys(owner, preKeyUpload(u)); err != nil {
		c.storeFailed(id, err)
		return
	}
	c.send(id, &OK{})
}

// handleCount answers with the owner's one-time prekey counts.
func (c *serverConn) handleCount(id uint32, owner keys.PublicKey) {
	ot, kem, err := c.srv.store.PreKeyCounts(context.Background(), owner)
	if err != nil {
		c.storeFailed(id, err)
		return
	}
	c.send(id, &PreKeyCounts{OneTime: uint32(ot), KEM: uint32(kem)})
}

// maxAcksInFlight bounds the acks one connection has handled at once;
// when they are all busy, the reader waits.
const maxAcksInFlight = 8

// handleAck deletes the acknowledged envelopes from a goroutine of its
// own and answers once they are gone, so that the reader goes on with the
// connection's next requests meanwhile. Why: on a backend across the
// network an ack is a round trip or two (transport/jetstream), and an
// owner's deposits queued behind it waited for them.
func (c *serverConn) handleAck(id uint32, owner keys.PublicKey, a *Ack) {
	c.acking <- struct{}{}
	c.answers.Add(1)
	go func() {
		defer c.answers.Done()
		n, err := c.srv.store.Ack(owner, a.IDs)
		<-c.acking
		if err != nil {
			c.storeFailed(id, err)
			return
		}
		c.srv.stats.acked.Add(uint64(n))
		c.send(id, &OK{})
		c.pushMu.Lock()
		p := c.pusher
		c.pushMu.Unlock()
		if p != nil {
			p.acked(a.IDs)
		}
	}()
}

// handleTokens registers or revokes the owner's deposit tokens, keeping
// only their hashes.
func (c *serverConn) handleTokens(id uint32, owner keys.PublicKey, t *Tokens) {
	var err error
	if t.Op == TokensAdd {
		add := make([]mailbox.Token, len(t.Entries))
		for i, e := range t.Entries {
			add[i] = mailbox.Token{Hash: tokenHash(owner, e.Token), Kind: mailbox.TokenKind(e.Kind)}
		}
		err = c.srv.store.AddTokens(owner, add)
	} else {
		revoke := make([]mailbox.TokenHash, len(t.Entries))
		for i, e := range t.Entries {
			revoke[i] = tokenHash(owner, e.Token)
		}
		err = c.srv.store.RevokeTokens(owner, revoke)
	}
	if err != nil {
		c.storeFailed(id, err)
		return
	}
	c.send(id, &OK{})
}

// storeFailed answers a request the mailbox store refused or failed.
func (c *serverConn) storeFailed(id uint32, err error) {
	code, text := storeErrorCode(err)
	switch code {
	case CodeHomeFull:
		c.srv.stats.homeFull.Add(1)
	case CodeBusy:
		c.log.Warn("mailbox store unavailable", "err", err)
	case CodeInternal:
		c.log.Error("mailbox store failed", "err", err)
	}
	c.fail(id, code, text)
}

// storeErrorCode maps an error of the mailbox backend to what the client
// is told: a code and a short text, never the error itself.
func storeErrorCode(err error) (ErrorCode, string) {
	switch {
	case errors.Is(err, mailbox.ErrUnknownMailbox):
		return CodeUnknownRecipient, "no mailbox for that identity here"
	case errors.Is(err, mailbox.ErrUnknownToken):
		return CodeTokenRefused, "the recipient did not give out that token, or revoked it"
	case errors.Is(err, mailbox.ErrRequestQuota):
		return CodeQuotaExceeded, "the recipient's request quota is full"
	case errors.Is(err, mailbox.ErrTokenQuota):
		return CodeQuotaExceeded, "this token's quota is full"
	case errors.Is(err, mailbox.ErrQuota):
		return CodeQuotaExceeded, "mailbox full"
	case errors.Is(err, mailbox.ErrFull):
		return CodeHomeFull, "the home is full"
	case errors.Is(err, mailbox.ErrNoPreKeys):
		return CodeNoPreKeys, ""
	case errors.Is(err, mailbox.ErrClosed):
		return CodeShuttingDown, ""
	case errors.Is(err, mailbox.ErrUnavailable):
		return CodeBusy, "the home's store is not answering; try later"
	}
	return CodeInternal, ""
}
