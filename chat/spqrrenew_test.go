package chat

import (
	"context"
	"testing"

	"ratchat/session"
	"ratchat/store"
)

// storedSession loads p's session with contact c.
func storedSession(t *testing.T, p *profile, c store.Contact) *session.Session {
	t.Helper()
	var s session.Session
	if err := p.m.loadSession(context.Background(), c.ID, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// sealOn seals text as a text message over p's stored session with c and
// stores the session after it, without renewing anything: what a profile
// from before SPQR sent. It returns the envelope, queued only if queue.
func sealOn(t *testing.T, p *profile, c store.Contact, text string, queue bool) []byte {
	t.Helper()
	ctx := context.Background()
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	s := storedSession(t, p, c)
	content := &Content{Kind: KindText, Text: text}
	if err := m.stamp(content); err != nil {
		t.Fatal(err)
	}
	envelope, state, err := m.seal(c, s, content)
	if err != nil {
		t.Fatal(err)
	}
	if !queue {
		if err := m.st.PutSession(ctx, c.ID, state); err != nil {
			t.Fatal(err)
		}
		return envelope
	}
	if _, err := m.st.CommitControlSent(ctx, c.ID, state, envelope); err != nil {
		t.Fatal(err)
	}
	m.wakeOutbox()
	return envelope
}

// TestSessionWithoutSPQRRenewed: alice and bob talk on a session without
// SPQR (an X3DH session, as a profile from before the triple ratchet
// could hold). When alice next sends, she starts a new PQXDH session from
// bob's bundle first; bob's message still in flight on the old session
// decrypts, and both end on the triple ratchet, with every message
// delivered.
func TestSessionWithoutSPQRRenewed(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	// Settle: nothing of the first session is still in flight.
	for _, x := range []struct {
		from, to *profile
		c        store.Contact
	}{{alice, bob, ab}, {bob, alice, ba}} {
		m, err := x.from.m.Send(ctx, x.c.ID, "hello from "+x.from.name)
		if err != nil {
			t.Fatal(err)
		}
		x.to.waitText("hello from " + x.from.name)
		x.from.waitStatus(m.ID, store.StatusDelivered)
	}

	// alice's session becomes an X3DH one, from bob's bundle without its
	// KEM prekey, and bob takes it from her first message on it.
	conn, err := alice.m.pool.get(ctx, ab.Address)
	if err != nil {
		t.Fatal(err)
	}
	reply, err := conn.FetchBundle(ctx, ab.Identity)
	if err != nil {
		t.Fatal(err)
	}
	b := reply.Bundle
	b.KEMPreKey, b.KEMPreKeyID, b.KEMPreKeySignature = nil, 0, [64]byte{}
	legacy, err := session.Initiate(alice.m.rand, alice.m.local, &b)
	if err != nil {
		t.Fatal(err)
	}
	alice.m.mu.Lock()
	s := storedSession(t, alice, ab)
	s.Supersede(legacy)
	raw, err := s.MarshalBinary()
	if err == nil {
		err = alice.st.PutSession(ctx, ab.ID, raw)
	}
	alice.m.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	sealOn(t, alice, ab, "on the old session", true)
	bob.waitText("on the old session")
	if sb, sa := storedSession(t, bob, ba), storedSession(t, alice, ab); sb.SPQR() || sa.SPQR() {
		t.Fatalf("the X3DH session has SPQR: bob %v (version %d), alice %v (version %d)", sb.SPQR(), sb.Version(), sa.SPQR(), sa.Version())
	}
	late := sealOn(t, bob, ba, "in flight on the old session", false)

	sent, err := alice.m.Send(ctx, ab.ID, "on a new session")
	if err != nil {
		t.Fatal(err)
	}
	if got := storedSession(t, alice, ab); !got.SPQR() || got.Version() != session.VersionPQXDH {
		t.Fatal("alice sent without renewing the session")
	}
	bob.waitText("on a new session")
	alice.waitStatus(sent.ID, store.StatusDelivered)
	if !storedSession(t, bob, ba).SPQR() {
		t.Fatal("bob did not take the new session")
	}

	// bob's message sent on the old session before he saw the new one.
	bob.m.mu.Lock()
	state, err := storedSession(t, bob, ba).MarshalBinary()
	if err == nil {
		_, err = bob.st.CommitControlSent(ctx, ba.ID, state, late)
	}
	bob.m.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	bob.m.wakeOutbox()
	alice.waitText("in flight on the old session")
	if !storedSession(t, alice, ab).SPQR() {
		t.Fatal("a message on the old session moved alice back to it")
	}

	if _, err := bob.m.Send(ctx, ba.ID, "answer on the new one"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("answer on the new one")
	for _, p := range []struct {
		p *profile
		c store.Contact
	}{{alice, ab}, {bob, ba}} {
		if s := storedSession(t, p.p, p.c); !s.SPQR() || s.SPQREpoch() < 1 {
			t.Fatalf("%s ends without SPQR", p.p.name)
		}
	}
}
