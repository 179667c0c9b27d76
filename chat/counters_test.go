package chat

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"ratchat/session"
	"ratchat/transport"
)

// TestCountersDecrypted checks what one decryption's outcome counts: a
// peer's prekey message that starts a session, one that fails (a failed
// key agreement and a decryption failure), a broken message on a session,
// a duplicate (nothing), our own store failing (nothing: retried).
func TestCountersDecrypted(t *testing.T) {
	storeErr := errors.New("disk on fire")
	for _, tc := range []struct {
		name string
		typ  uint8
		res  *session.Decrypted
		err  error
		want CountersSnapshot
	}{
		{"prekey message starts a session", transport.TypePreKey, &session.Decrypted{NewSession: true}, nil,
			CountersSnapshot{KeyAgreementsStarted: 1}},
		{"message on a session", transport.TypeSignal, &session.Decrypted{}, nil, CountersSnapshot{}},
		{"prekey message refused", transport.TypePreKey, nil, fmt.Errorf("wrapped: %w", session.ErrUnknownPreKey),
			CountersSnapshot{KeyAgreementsFailed: 1, DecryptFailures: 1}},
		{"bad MAC on a session", transport.TypeSignal, nil, session.ErrBadMAC, CountersSnapshot{DecryptFailures: 1}},
		{"duplicate", transport.TypeSignal, nil, session.ErrDuplicate, CountersSnapshot{}},
		{"duplicate prekey message", transport.TypePreKey, nil, session.ErrDuplicate, CountersSnapshot{}},
		{"our store failed", transport.TypePreKey, nil, storeErr, CountersSnapshot{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Messenger{}
			m.counters.decrypted(tc.typ, tc.res, tc.err)
			if got := m.Counters(); got != tc.want {
				t.Errorf("counters %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestCountersInitiated checks the count of sessions we start.
func TestCountersInitiated(t *testing.T) {
	m := &Messenger{}
	m.counters.initiated(nil)
	m.counters.initiated(nil)
	m.counters.initiated(session.ErrBadBundle)
	m.counters.received()
	m.counters.sent()
	m.counters.groupDecryptFailed()
	want := CountersSnapshot{KeyAgreementsStarted: 2, KeyAgreementsFailed: 1, MessagesIn: 1, MessagesOut: 1, DecryptFailures: 1}
	if got := m.Counters(); got != want {
		t.Errorf("counters %+v, want %+v", got, want)
	}
}

// TestCountersOnTheWire counts a real exchange: Alice adds Bob (a session
// each), three messages go one way and one the other; a group of the two
// counts its message once each side.
func TestCountersOnTheWire(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	for _, text := range []string{"a", "b", "c"} {
		if _, err := alice.m.Send(ctx, ab.ID, text); err != nil {
			t.Fatal(err)
		}
		bob.waitText(text)
	}
	if _, err := bob.m.Send(ctx, ba.ID, "d"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("d")
	for _, c := range []struct {
		p    *profile
		want CountersSnapshot
	}{
		{alice, CountersSnapshot{MessagesOut: 3, MessagesIn: 1, KeyAgreementsStarted: 1}},
		{bob, CountersSnapshot{MessagesOut: 1, MessagesIn: 3, KeyAgreementsStarted: 1}},
	} {
		if got := c.p.m.Counters(); got != c.want {
			t.Errorf("%s: counters %+v, want %+v", c.p.name, got, c.want)
		}
	}
	if n, err := alice.m.OutboxDepth(ctx); err != nil || n < 0 {
		t.Errorf("outbox depth %d, %v", n, err)
	}
}
