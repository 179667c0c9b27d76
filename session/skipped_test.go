package session

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"ratchat/internal/wire"
)

// formatV1 re-encodes a serialized session in format 1 (no skipped-key
// dates, no SPQR authentication key), as ratchat wrote it before it dated
// skipped keys.
func formatV1(t testing.TB, b []byte) []byte { return formatOld(t, b, stateFormatV1) }

// formatV2 re-encodes a serialized session in format 2 (no SPQR
// authentication key), as ratchat wrote it before it kept that key.
func formatV2(t testing.TB, b []byte) []byte { return formatOld(t, b, stateFormatV2) }

// formatOld re-encodes a serialized session in the older format given.
func formatOld(t testing.TB, b []byte, format uint8) []byte {
	t.Helper()
	var s Session
	if err := s.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	e := &encoder{Encoder: make(wire.Encoder, 0, len(b))}
	e.Bytes([]byte(stateMagic))
	e.U8(format)
	e.Flag(s.current != nil)
	if s.current != nil {
		encodeOld(e, s.current, format)
	}
	e.U16(uint16(len(s.archived)))
	for _, st := range s.archived {
		encodeOld(e, st, format)
	}
	return []byte(e.Encoder)
}

// formatV3 re-encodes a serialized session in format 3 (no SPQR state), as
// ratchat wrote it before it spoke SPQR.
func formatV3(t testing.TB, b []byte) []byte { return formatOld(t, b, stateFormatV3) }

// encodeOld is one state in format 1, 2 or 3.
func encodeOld(e *encoder, st *state, format uint8) {
	e.U8(st.version)
	e.key(st.localIdentity)
	e.key(st.remoteIdentity)
	e.U32(st.localRegistrationID)
	e.U32(st.remoteRegistrationID)
	e.key(st.baseKey)
	e.key(st.root)
	e.U32(st.previousCounter)
	e.key(st.sender.ratchet.Public)
	e.key(st.sender.ratchet.Private)
	e.key(st.sender.key)
	e.U32(st.sender.index)
	e.U16(uint16(len(st.receivers)))
	for i := range st.receivers {
		rc := &st.receivers[i]
		e.key(rc.ratchetKey)
		e.key(rc.key)
		e.U32(rc.index)
		e.U32(rc.evictedBelow)
		e.U16(uint16(len(rc.skipped)))
		for _, sk := range rc.skipped {
			e.U32(sk.index)
			if format >= stateFormatV2 {
				e.U64(uint64(sk.stored))
			}
			e.key(sk.seed)
		}
	}
	e.U16(uint16(len(st.retired)))
	for _, k := range st.retired {
		e.key(k)
	}
	e.Flag(st.pending != nil)
	if p := st.pending; p != nil {
		e.Flag(p.hasPreKeyID)
		e.U32(p.preKeyID)
		e.U32(p.signedPreKeyID)
		e.U32(p.kemPreKeyID)
		e.blob(p.kemCiphertext)
	}
	if format >= stateFormatV3 {
		e.Flag(st.pqRatchetAuthKey != nil)
		if st.pqRatchetAuthKey != nil {
			e.key(*st.pqRatchetAuthKey)
		}
	}
}

// TestSkippedKeyExpiry delivers a message overtaken by a later one 30 days
// late and a minute late: the first fails with ErrTooOld, session
// unchanged; the second decrypts.
func TestSkippedKeyExpiry(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		after time.Duration
		want  error
	}{
		{"a minute later", time.Minute, nil},
		{"29 days later", 29 * 24 * time.Hour, nil},
		{"exactly 30 days later", MaxSkippedKeyAge, nil},
		{"30 days and a second later", MaxSkippedKeyAge + time.Second, ErrTooOld},
		{"a year later", 365 * 24 * time.Hour, ErrTooOld},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alice, bob := newParty(t, 61), newParty(t, 62)
			now := start
			bob.local.Now = func() time.Time { return now }
			startSession(t, alice, bob, bundleOptions{kem: true})
			bob.mustReceive(alice.send("start"))
			late, next := alice.send("late"), alice.send("next")
			bob.mustReceive(next) // keeps late's key, dated start
			now = start.Add(tc.after)
			if tc.want != nil {
				bob.mustRejectUnchanged(late, tc.want)
				// Any decrypt now prunes it: it is then too old, not a duplicate.
				bob.mustReceive(alice.send("later still"))
				if _, err := bob.receive(late); !errors.Is(err, ErrTooOld) {
					t.Fatalf("after pruning: %v, want ErrTooOld", err)
				}
				if n := len(bob.session.current.receivers[0].skipped); n != 0 {
					t.Fatalf("%d skipped keys kept after pruning", n)
				}
				return
			}
			if d := bob.mustReceive(late); string(d.Plaintext) != "late" {
				t.Fatalf("late message = %q", d.Plaintext)
			}
		})
	}
}

// TestSkippedKeyFormatV1 loads a state written before skipped keys were
// dated: it loads, its keys still decrypt, and they are dated by the first
// decrypt with a clock, expiring 30 days after it.
func TestSkippedKeyFormatV1(t *testing.T) {
	// X3DH: a session without SPQR, whose state formats 1 and 2 hold all.
	alice, bob := newParty(t, 63), newParty(t, 64)
	startSession(t, alice, bob, bundleOptions{})
	bob.mustReceive(alice.send("start"))
	m1, m2, m3 := alice.send("one"), alice.send("two"), alice.send("three")
	bob.mustReceive(m3) // no clock: one and two kept undated
	v2 := formatV2(t, bob.snapshot())
	v1 := formatV1(t, v2)
	if len(v2)-len(v1) != 2*8 || v1[len(stateMagic)] != stateFormatV1 {
		t.Fatalf("format 1 state is %d bytes, format 2 %d", len(v1), len(v2))
	}
	var s, s2 Session
	if err := s.UnmarshalBinary(v1); err != nil {
		t.Fatalf("format 1 state: %v", err)
	}
	if err := s2.UnmarshalBinary(v2); err != nil {
		t.Fatalf("format 2 state: %v", err)
	}
	again, _ := s.MarshalBinary()
	if again2, _ := s2.MarshalBinary(); !bytes.Equal(again, again2) {
		t.Fatal("a format 1 state does not load as the same session")
	}
	bob.session = s
	upgrade := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	now := upgrade
	bob.local.Now = func() time.Time { return now }
	if d := bob.mustReceive(m1); string(d.Plaintext) != "one" {
		t.Fatalf("undated key: %q", d.Plaintext)
	}
	if got := bob.session.current.receivers[0].skipped[0].stored; got != upgrade.Unix() {
		t.Fatalf("undated key dated %d, want %d", got, upgrade.Unix())
	}
	now = upgrade.Add(MaxSkippedKeyAge + time.Hour)
	bob.mustRejectUnchanged(m2, ErrTooOld)
}
