package session

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"ratchat/spqr"
)

// TestTripleRatchetEpochsAdvance runs a PQXDH session through many turns
// of varying length: every message carries an SPQR message (field 5), both
// sides' SPQR epochs advance together (ML-KEM exchanges complete), and the
// Double Ratchet's keys agree after every turn. An X3DH session has no
// SPQR: no field 5, epoch 0.
func TestTripleRatchetEpochsAdvance(t *testing.T) {
	tests := []struct {
		name     string
		opt      bundleOptions
		spqr     bool
		minEpoch uint64
	}{
		{"PQXDH", bundleOptions{oneTime: true, kem: true}, true, 3},
		{"X3DH", bundleOptions{oneTime: true}, false, 0},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alice, bob := newParty(t, uint64(90+2*i)), newParty(t, uint64(91+2*i))
			startSession(t, alice, bob, tc.opt)
			if alice.session.SPQR() != tc.spqr {
				t.Fatalf("initiator SPQR() = %v, want %v", alice.session.SPQR(), tc.spqr)
			}
			for turn := range 60 {
				from, to := alice, bob
				if turn%2 == 1 {
					from, to = bob, alice
				}
				for j := range 1 + turn%7 {
					m := from.send(fmt.Sprintf("turn %d, %d", turn, j))
					if has := len(innerMessage(t, m).PQRatchet) > 0; has != tc.spqr {
						t.Fatalf("turn %d: field 5 present %v, want %v", turn, has, tc.spqr)
					}
					to.mustReceive(m)
				}
				if turn > 0 {
					assertRootsMatch(t, alice, bob)
				}
				ea, eb := alice.session.SPQREpoch(), bob.session.SPQREpoch()
				if ea > eb+1 || eb > ea+1 {
					t.Fatalf("turn %d: SPQR epochs %d and %d drifted apart", turn, ea, eb)
				}
			}
			ea, eb := alice.session.SPQREpoch(), bob.session.SPQREpoch()
			if min(ea, eb) < tc.minEpoch || (!tc.spqr && max(ea, eb) != 0) {
				t.Fatalf("SPQR epochs %d and %d, want at least %d", ea, eb, tc.minEpoch)
			}
			if bob.session.SPQR() != tc.spqr || alice.session.SPQR() != tc.spqr {
				t.Fatal("SPQR() changed during the conversation")
			}
		})
	}
}

// innerMessage returns the SignalMessage of a sent message of either type.
func innerMessage(t testing.TB, m sent) *SignalMessage {
	t.Helper()
	if m.typ == TypePreKey {
		pm, err := ParsePreKeySignalMessage(m.body)
		if err != nil {
			t.Fatal(err)
		}
		return pm.Message
	}
	sm, err := ParseSignalMessage(m.body)
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// TestMessageWithoutSPQRRefused: a peer that speaks no SPQR (it sends no
// field 5 and mixes no SPQR key into its message keys, its MAC correct for
// that) is refused as libsignal refuses it, with [ErrPQRatchet] wrapping
// spqr's version-mismatch error (negotiation is over once a message was
// received; before, it is the minimum-version error: see
// TestOldSessionsKeepWorking), and the session is unchanged; the same
// message with its field 5 put back, but message keys without the SPQR
// salt, fails its MAC. The real message decrypts after both.
func TestMessageWithoutSPQRRefused(t *testing.T) {
	alice, bob := newParty(t, 81), newParty(t, 82)
	startSession(t, alice, bob, bundleOptions{kem: true})
	bob.mustReceive(alice.send("start"))
	alice.mustReceive(bob.send("reply"))

	st := alice.session.current
	seed, _ := st.sender.key.step()
	unsalted := newMessageKeys(&seed, nil)
	good := alice.send("the real one")
	gm := innerMessage(t, good)
	forge := func(pq []byte) sent {
		m := newSignalMessage(VersionPQXDH, gm.RatchetKey, gm.Counter, gm.PreviousCounter,
			encryptCBC(&unsalted, []byte("forged")), pq, unsalted.mac[:], alice.local.Identity.Public, bob.local.Identity.Public)
		return sent{TypeSignal, m.Bytes(), nil}
	}
	err := bob.mustRejectUnchanged(forge(nil), ErrPQRatchet)
	if !errors.Is(err, spqr.ErrVersionMismatch) {
		t.Fatalf("no field 5: %v, want spqr.ErrVersionMismatch", err)
	}
	bob.mustRejectUnchanged(forge(gm.PQRatchet), ErrBadMAC)
	bob.mustReceive(good)
}

// TestSPQRStateFormats: a session stored in format 3 (before SPQR) loads
// without SPQR and re-saves in format 4; a format 4 state round-trips its
// SPQR state and talks on; an SPQR part that is too long, garbled, or in an
// X3DH state is refused.
func TestSPQRStateFormats(t *testing.T) {
	alice, bob := newParty(t, 83), newParty(t, 84)
	startSession(t, alice, bob, bundleOptions{kem: true})
	bob.mustReceive(alice.send("start"))
	alice.mustReceive(bob.send("reply"))
	raw := bob.snapshot()

	var old Session
	if err := old.UnmarshalBinary(formatV3(t, raw)); err != nil {
		t.Fatalf("format 3: %v", err)
	}
	if old.SPQR() || !old.Established() || old.SPQREpoch() != 0 {
		t.Fatal("a format 3 session loads with SPQR, or not at all")
	}
	if again, _ := old.MarshalBinary(); again[len(stateMagic)] != stateFormat {
		t.Fatalf("re-saved in format %d", again[len(stateMagic)])
	}

	var s Session
	if err := s.UnmarshalBinary(raw); err != nil || !s.SPQR() || s.SPQREpoch() != bob.session.SPQREpoch() {
		t.Fatalf("format 4: %v, SPQR %v", err, s.SPQR())
	}
	bob.session = s
	bob.mustReceive(alice.send("after the reload"))
	alice.mustReceive(bob.send("and back"))

	// Where bob's SPQR part starts: after the state's fixed part, found
	// by re-encoding the state in format 3 (which ends just before it).
	cur := formatV3(t, bob.snapshot())
	at := len(cur) - 2 // before n-archived
	full := bob.snapshot()
	n := binary.BigEndian.Uint32(full[at:])
	if int(n) != len(full)-at-4-2 || n == 0 {
		t.Fatalf("SPQR part of %d bytes at %d in a state of %d", n, at, len(full))
	}
	tooLong := bytes.Clone(full)
	binary.BigEndian.PutUint32(tooLong[at:], maxSPQRState+1)
	garbled := bytes.Clone(full)
	garbled[at+4] ^= 0xff // spqr's format byte
	x3dh, carol := newParty(t, 85), newParty(t, 86)
	startSession(t, x3dh, carol, bundleOptions{})
	xraw := x3dh.snapshot()
	withPQ := append(bytes.Clone(xraw[:len(xraw)-6]), full[at:]...) // X3DH state, bob's SPQR part
	for name, b := range map[string][]byte{"too long": tooLong, "garbled": garbled, "SPQR in an X3DH state": withPQ} {
		var s Session
		if err := s.UnmarshalBinary(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

// TestLegacyStateRenewed: a session without SPQR (X3DH here) is replaced
// before sending, as chat does: the new PQXDH session supersedes it, the
// peer's messages still in flight on the old one decrypt (without moving
// the session back to it), and both sides end on the triple ratchet.
func TestLegacyStateRenewed(t *testing.T) {
	alice, bob := newParty(t, 87), newParty(t, 88)
	startSession(t, alice, bob, bundleOptions{oneTime: true})
	bob.mustReceive(alice.send("on the old session"))
	alice.mustReceive(bob.send("reply on it"))
	if alice.session.SPQR() || bob.session.SPQR() {
		t.Fatal("an X3DH session with SPQR")
	}
	late := bob.send("in flight on the old session")

	next, err := Initiate(alice.rand, alice.local, bob.bundle(bundleOptions{oneTime: true, kem: true}))
	if err != nil {
		t.Fatal(err)
	}
	alice.session.Supersede(next)
	renewed := alice.send("on the new session")
	alice.mustReceive(late)
	if !alice.session.SPQR() {
		t.Fatal("a message on the old session moved alice back to it")
	}
	if d := bob.mustReceive(renewed); !d.NewSession || !bob.session.SPQR() {
		t.Fatalf("bob on the new session: new %v, SPQR %v", d.NewSession, bob.session.SPQR())
	}
	alice.mustReceive(bob.send("answer on the new session"))
	bob.mustReceive(alice.send("and on"))
	if alice.session.Version() != VersionPQXDH || !alice.session.SPQR() || !bob.session.SPQR() {
		t.Fatal("not both on the triple ratchet")
	}
}
