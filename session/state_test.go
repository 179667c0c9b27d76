package session

import (
	"bytes"
	"errors"
	"testing"
)

// establishedPair returns two parties that have exchanged a few messages
// on a PQXDH session, with skipped keys, several receiving chains and
// retired chains.
func establishedPair(t testing.TB) (*party, *party) {
	alice, bob := newParty(t, 41), newParty(t, 42)
	startSession(t, alice, bob, bundleOptions{oneTime: true, kem: true})
	bob.mustReceive(alice.send("start"))
	for turn := 0; turn < 16; turn++ {
		from, to := bob, alice
		if turn%2 == 1 {
			from, to = alice, bob
		}
		a, b := from.send("a"), from.send("b")
		from.send("skipped")
		to.mustReceive(b)
		to.mustReceive(a)
	}
	return alice, bob
}

func TestSessionRoundTrip(t *testing.T) {
	alice, bob := establishedPair(t)
	pending := newParty(t, 43)
	startSession(t, pending, bob, bundleOptions{kem: true})
	for _, p := range []*party{alice, bob, pending, newParty(t, 44)} {
		raw := p.snapshot()
		var s Session
		if err := s.UnmarshalBinary(raw); err != nil {
			t.Fatal(err)
		}
		again, _ := s.MarshalBinary()
		if !bytes.Equal(raw, again) {
			t.Fatal("marshal(unmarshal(x)) != x")
		}
	}
	// The restored copy keeps working: bob's session from bytes talks on.
	var restored Session
	if err := restored.UnmarshalBinary(bob.snapshot()); err != nil {
		t.Fatal(err)
	}
	bob.session = restored
	bob.mustReceive(alice.send("after restore"))
	alice.mustReceive(bob.send("and back"))
}

func TestSessionUnmarshalRejects(t *testing.T) {
	alice, _ := establishedPair(t)
	good := alice.snapshot()
	cases := map[string][]byte{
		"empty":          nil,
		"wrong magic":    append([]byte("XXXX"), good[4:]...),
		"future format":  append(append([]byte(stateMagic), stateFormat+1), good[5:]...),
		"format 0":       append(append([]byte(stateMagic), 0), good[5:]...),
		"trailing bytes": append(bytes.Clone(good), 0),
	}
	for n := 0; n < len(good); n += 1 + n/8 {
		cases["truncated"+string(rune('a'+n%26))] = good[:n]
	}
	for name, b := range cases {
		before := alice.snapshot()
		if err := alice.session.UnmarshalBinary(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
		if !bytes.Equal(before, alice.snapshot()) {
			t.Errorf("%s: a failed unmarshal changed the session", name)
		}
	}
}

// FuzzUnmarshalSession feeds arbitrary bytes to the state decoder: it must
// not panic, and whatever it accepts in the current format must re-encode
// to the same bytes (an older format re-encodes as the current one, stably).
func FuzzUnmarshalSession(f *testing.F) {
	alice, bob := establishedPair(f)
	f.Add(alice.snapshot())
	f.Add(bob.snapshot())
	f.Add(formatV1(f, bob.snapshot()))
	f.Add(formatV2(f, bob.snapshot()))
	f.Add(formatV3(f, bob.snapshot()))
	f.Add([]byte(stateMagic + "\x02\x00\x00\x00"))
	f.Add([]byte(stateMagic + "\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Session
		if err := s.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if b[len(stateMagic)] != stateFormat {
			var s2 Session
			if err := s2.UnmarshalBinary(again); err != nil {
				t.Fatalf("a re-encoded format %d state does not load: %v", b[len(stateMagic)], err)
			}
			b, _ = s2.MarshalBinary()
		}
		if !bytes.Equal(again, b) {
			t.Fatal("accepted input does not round-trip")
		}
	})
}

// FuzzDecrypt feeds arbitrary bytes, as either message type, to an
// established session: no panic; only the seeds (or a seed PreKey message
// with another registration id, which libsignal's format leaves
// unauthenticated) decrypt; the session is unchanged after every failure.
func FuzzDecrypt(f *testing.F) {
	alice, bob := establishedPair(f)
	signal := alice.send("seed").body
	pending := newParty(f, 45)
	startSession(f, pending, bob, bundleOptions{oneTime: true})
	preKey := pending.send("seed").body
	f.Add(uint8(TypeSignal), signal)
	f.Add(uint8(TypePreKey), preKey)
	before := bob.snapshot()
	f.Fuzz(func(t *testing.T, typ uint8, b []byte) {
		var s Session
		if err := s.UnmarshalBinary(before); err != nil {
			t.Fatal(err)
		}
		d, err := s.Decrypt(bob.rand, bob.local, bob.prekeys, MessageType(typ), b)
		if err == nil {
			valid := bytes.Equal(b, signal) || bytes.Equal(b, preKey) ||
				MessageType(typ) == TypePreKey && onlyRegistrationIDDiffers(t, preKey, b)
			if !valid || string(d.Plaintext) != "seed" {
				t.Fatalf("arbitrary bytes decrypted to %q", d.Plaintext)
			}
			return
		}
		after, _ := s.MarshalBinary()
		if !bytes.Equal(before, after) {
			t.Fatalf("failed decrypt changed the session: %v", err)
		}
	})
}

// TestStatePQAuthKeyEncoding checks the SPQR authentication key's place in
// formats 3 and 4: present in a PQXDH state and read back, refused in an X3DH
// state (X3DH derives none), and a flag other than 0 or 1 refused.
func TestStatePQAuthKeyEncoding(t *testing.T) {
	x3dh, bob := newParty(t, 71), newParty(t, 72)
	startSession(t, x3dh, bob, bundleOptions{})
	raw := x3dh.snapshot()
	// The X3DH state ends has-pq-auth(1) = 0, spqr-length(4) = 0, then
	// n-archived(2) = 0.
	flag := len(raw) - 7
	if !bytes.Equal(raw[flag:], make([]byte, 7)) {
		t.Fatalf("X3DH state ends %x", raw[flag:])
	}
	withKey := append(append(append([]byte(nil), raw[:flag]...), 1), make([]byte, 32)...)
	withKey = append(withKey, 0, 0, 0, 0, 0, 0)
	badFlag := append([]byte(nil), raw...)
	badFlag[flag] = 2
	for name, b := range map[string][]byte{"X3DH state with a key": withKey, "flag 2": badFlag} {
		var s Session
		if err := s.UnmarshalBinary(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
	pq, bob2 := newParty(t, 73), newParty(t, 74)
	startSession(t, pq, bob2, bundleOptions{kem: true})
	var s Session
	if err := s.UnmarshalBinary(pq.snapshot()); err != nil {
		t.Fatal(err)
	}
	if k := s.current.pqRatchetAuthKey; k == nil || *k != *pq.session.current.pqRatchetAuthKey {
		t.Fatal("PQXDH state lost its SPQR authentication key")
	}
}
