package interop

import (
	"crypto/rand"
	"testing"

	"ratchat/keys"
	"ratchat/session"
)

// otkID is the one-time prekey id offered, when one is: an arbitrary nonzero
// 24-bit value (libsignal reads 0 as "no prekey", see newOneTimePreKey).
const otkID = 4242

var prekeyCases = []struct {
	name    string
	oneTime bool
	seed    uint64
}{
	{"OneTimePreKey", true, 11},
	{"NoOneTimePreKey", false, 12},
}

// TestLibsignalInitiatesRatchatResponds: a libsignal peer starts an X3DH
// session (version 3) from a ratchat bundle, and the two converse for at
// least 1,000 messages each way over many ratchet turns, with shuffled and
// late delivery and replays, every plaintext checked on both sides.
func TestLibsignalInitiatesRatchatResponds(t *testing.T) {
	for _, tc := range prekeyCases {
		t.Run(tc.name, func(t *testing.T) {
			bob := newRatchatPeer(t)
			if tc.oneTime {
				bob.addOneTimePreKey(t, otkID)
			}
			alice, err := newLibsignalPeer(true)
			if err != nil {
				t.Fatal(err)
			}
			// libsignal verifies ratchat's XEdDSA signature on the signed prekey.
			if err := alice.processBundle("bob", libsignalBundle(bob.bundle())); err != nil {
				t.Fatalf("libsignal rejected ratchat's bundle: %v", err)
			}
			bobEnd := &ratchatEndpoint{p: bob, remote: keys.PublicKey(alice.identityKey())}

			c := newConversation(tc.seed)
			c.run(t, libsignalEndpoint{alice, "bob"}, bobEnd)
			c.check(t)

			if len(bob.oneTime) != 0 {
				t.Errorf("ratchat kept %d one-time prekeys after the session started", len(bob.oneTime))
			}
			checkRatchatSession(t, bobEnd)
			if bobEnd.remoteRegistrationID != alice.registrationID() {
				t.Errorf("ratchat read registration id %d, libsignal sent %d", bobEnd.remoteRegistrationID, alice.registrationID())
			}
			if got, err := alice.remoteRegistrationID("bob"); err != nil || got != bob.local.RegistrationID {
				t.Errorf("libsignal recorded registration id %d (%v), want %d", got, err, bob.local.RegistrationID)
			}
		})
	}
}

// TestRatchatInitiatesLibsignalResponds: ratchat starts an X3DH session
// (version 3) from a libsignal bundle, then the same conversation.
func TestRatchatInitiatesLibsignalResponds(t *testing.T) {
	for _, tc := range prekeyCases {
		t.Run(tc.name, func(t *testing.T) {
			bob, err := newLibsignalPeer(true)
			if err != nil {
				t.Fatal(err)
			}
			if tc.oneTime {
				if err := bob.newOneTimePreKey(otkID); err != nil {
					t.Fatal(err)
				}
			}
			alice := newRatchatPeer(t)
			// ratchat verifies libsignal's XEdDSA signature on the signed prekey.
			s, err := session.Initiate(rand.Reader, alice.local, ratchatBundle(bob.bundle()))
			if err != nil {
				t.Fatalf("ratchat rejected libsignal's bundle: %v", err)
			}
			aliceEnd := &ratchatEndpoint{p: alice, remote: keys.PublicKey(bob.identityKey())}
			if err := aliceEnd.save(s); err != nil {
				t.Fatal(err)
			}

			c := newConversation(tc.seed)
			c.run(t, aliceEnd, libsignalEndpoint{bob, "alice"})
			c.check(t)

			if _, ok := bob.store.preKeys[otkID]; ok {
				t.Error("libsignal kept its one-time prekey after the session started")
			}
			checkRatchatSession(t, aliceEnd)
			if got, err := bob.remoteRegistrationID("alice"); err != nil || got != alice.local.RegistrationID {
				t.Errorf("libsignal recorded registration id %d (%v), want %d", got, err, alice.local.RegistrationID)
			}
		})
	}
}

// checkRatchatSession asserts the ratchat side ended with one version 3
// session with the expected peer.
func checkRatchatSession(t *testing.T, e *ratchatEndpoint) {
	t.Helper()
	s, err := e.load()
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Version(); v != session.VersionX3DH {
		t.Errorf("ratchat session version %d, want %d", v, session.VersionX3DH)
	}
	if id, ok := s.RemoteIdentity(); !ok || id != e.remote {
		t.Errorf("ratchat session with %x (%v), want %x", id, ok, e.remote)
	}
}
