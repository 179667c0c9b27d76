package session

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"ratchat/keys"
)

var handshakeCases = []struct {
	name    string
	opt     bundleOptions
	version uint8
}{
	{"X3DH", bundleOptions{}, VersionX3DH},
	{"X3DH with one-time prekey", bundleOptions{oneTime: true}, VersionX3DH},
	{"PQXDH", bundleOptions{kem: true}, VersionPQXDH},
	{"PQXDH with one-time prekey", bundleOptions{oneTime: true, kem: true}, VersionPQXDH},
	{"PQXDH over ML-KEM-1024", bundleOptions{kem: true, kemType: keys.TypeMLKEM1024}, VersionPQXDH},
	{"PQXDH over ML-KEM-1024 with one-time prekey", bundleOptions{oneTime: true, kem: true, kemType: keys.TypeMLKEM1024}, VersionPQXDH},
}

// TestPingPongKeysAgree runs the handshake and then turns the DH ratchet on
// every message, asserting after each step that both sides hold the same
// chain keys and root keys.
func TestPingPongKeysAgree(t *testing.T) {
	for i, tc := range handshakeCases {
		t.Run(tc.name, func(t *testing.T) {
			alice, bob := newParty(t, uint64(10*i+1)), newParty(t, uint64(10*i+2))
			startSession(t, alice, bob, tc.opt)
			first := alice.send("hello")
			if first.typ != TypePreKey {
				t.Fatalf("first message type %d, want PreKey", first.typ)
			}
			d := bob.mustReceive(first)
			if !d.NewSession || d.RemoteIdentity != alice.local.Identity.Public {
				t.Fatalf("decrypted = %+v", d)
			}
			if d.UsedOneTimePreKey != tc.opt.oneTime || d.UsedKEMPreKey != tc.opt.kem {
				t.Fatalf("used prekeys = %+v, want %+v", d, tc.opt)
			}
			if bob.session.Version() != tc.version || alice.session.Version() != tc.version {
				t.Fatalf("versions %d/%d, want %d", alice.session.Version(), bob.session.Version(), tc.version)
			}
			assertChainsMatch(t, alice, bob)
			assertRootsMatch(t, alice, bob)
			assertPQAuthKeysMatch(t, alice, bob, tc.version == VersionPQXDH)
			if tc.opt.kem {
				pm, err := ParsePreKeySignalMessage(first.body)
				want := tc.opt.kemType
				if want == 0 {
					want = keys.TypeKyber1024
				}
				if err != nil || keys.KEMType(pm.KEMCiphertext[0]) != want {
					t.Fatalf("KEM ciphertext of type 0x%02x (%v), want %v", pm.KEMCiphertext[0], err, want)
				}
			}
			for turn := 0; turn < 20; turn++ {
				from, to := bob, alice
				if turn%2 == 1 {
					from, to = alice, bob
				}
				m := from.send(fmt.Sprintf("turn %d", turn))
				if m.typ != TypeSignal {
					t.Fatalf("turn %d: type %d after the reply, want Signal", turn, m.typ)
				}
				to.mustReceive(m)
				assertChainsMatch(t, from, to)
				assertRootsMatch(t, from, to)
			}
		})
	}
}

// TestInitiatorRepeatsPreKeyMessage checks that every message before the
// first reply is a PreKeySignalMessage, that the responder accepts them in
// any order with one session, and that the first reply ends it.
func TestInitiatorRepeatsPreKeyMessage(t *testing.T) {
	alice, bob := newParty(t, 3), newParty(t, 4)
	startSession(t, alice, bob, bundleOptions{oneTime: true, kem: true})
	var msgs []sent
	for i := 0; i < 5; i++ {
		m := alice.send(fmt.Sprintf("early %d", i))
		if m.typ != TypePreKey {
			t.Fatalf("message %d has type %d", i, m.typ)
		}
		msgs = append(msgs, m)
	}
	for _, i := range []int{3, 0, 4, 1, 2} {
		bob.mustReceive(msgs[i])
	}
	if len(bob.session.archived) != 0 {
		t.Fatalf("repeated PreKey messages made %d extra sessions", len(bob.session.archived))
	}
	bob.mustRejectUnchanged(msgs[2], ErrDuplicate)
	alice.mustReceive(bob.send("reply"))
	if m := alice.send("after reply"); m.typ != TypeSignal {
		t.Fatalf("after the reply the type is %d, want Signal", m.typ)
	}
}

// TestShuffledDeliveryWithDropsAndDuplicates sends 10,000 messages over
// many turns, delivering them shuffled, some late by up to three turns,
// some never, some twice. Every delivered message must decrypt exactly
// once; every duplicate must fail and leave the session unchanged.
func TestShuffledDeliveryWithDropsAndDuplicates(t *testing.T) {
	const total = 10000
	alice, bob := newParty(t, 5), newParty(t, 6)
	startSession(t, alice, bob, bundleOptions{oneTime: true, kem: true})
	bob.mustReceive(alice.send("start"))
	rng := rand.New(rand.NewPCG(1, 2))
	type flight struct {
		sent
		due int
	}
	var inFlight [2][]flight // messages to alice (0) and to bob (1)
	var delivered [2][]sent
	sentCount, decrypted, duplicates := 0, 0, 0
	for turn := 0; sentCount < total; turn++ {
		from, toIdx := alice, 1
		if turn%2 == 1 {
			from, toIdx = bob, 0
		}
		for n := 1 + rng.IntN(60); n > 0 && sentCount < total; n-- {
			m := from.send(fmt.Sprintf("m%d", sentCount))
			sentCount++
			switch r := rng.IntN(100); {
			case r < 5: // dropped
			default:
				inFlight[toIdx] = append(inFlight[toIdx], flight{m, turn + rng.IntN(4)})
			}
		}
		for idx, to := range []*party{alice, bob} {
			var later []flight
			rng.Shuffle(len(inFlight[idx]), func(i, j int) { inFlight[idx][i], inFlight[idx][j] = inFlight[idx][j], inFlight[idx][i] })
			for _, f := range inFlight[idx] {
				if f.due > turn {
					later = append(later, f)
					continue
				}
				to.mustReceive(f.sent)
				decrypted++
				delivered[idx] = append(delivered[idx], f.sent)
			}
			inFlight[idx] = later
			if len(delivered[idx]) > 0 && rng.IntN(3) == 0 {
				recent := delivered[idx][max(0, len(delivered[idx])-300):]
				dup := recent[rng.IntN(len(recent))]
				if err := to.mustRejectUnchanged(dup, nil); !errors.Is(err, ErrDuplicate) && !errors.Is(err, ErrTooOld) {
					t.Fatalf("duplicate: %v, want ErrDuplicate or ErrTooOld", err)
				}
				duplicates++
			}
		}
	}
	t.Logf("%d sent, %d decrypted once, %d duplicates rejected", sentCount, decrypted, duplicates)
	if decrypted < total*9/10 || duplicates < 100 {
		t.Fatalf("too little exercised: %d decrypted, %d duplicates", decrypted, duplicates)
	}
}

// TestForwardJumpLimit checks that a message more than MaxForwardJump ahead
// is rejected without changing the session, and that the chain still works.
func TestForwardJumpLimit(t *testing.T) {
	alice, bob := newParty(t, 7), newParty(t, 8)
	startSession(t, alice, bob, bundleOptions{})
	bob.mustReceive(alice.send("start"))
	alice.mustReceive(bob.send("reply")) // Alice now sends on an established chain
	var msgs []sent
	for i := 0; i <= MaxForwardJump+1; i++ {
		msgs = append(msgs, alice.send(fmt.Sprint(i)))
	}
	// Bob has received nothing on Alice's new chain: the last message is
	// MaxForwardJump+1 ahead of it.
	bob.mustRejectUnchanged(msgs[MaxForwardJump+1], ErrTooFarAhead)
	bob.mustReceive(msgs[MaxForwardJump]) // exactly at the limit: accepted
	bob.mustReceive(msgs[MaxForwardJump+1])
	// The first MaxForwardJump-MaxSkippedKeys keys were never kept.
	bob.mustRejectUnchanged(msgs[0], ErrTooOld)
	bob.mustReceive(msgs[MaxForwardJump-1])
}

// TestTooManySkippedKeys checks the eviction of the oldest skipped key.
func TestTooManySkippedKeys(t *testing.T) {
	alice, bob := newParty(t, 9), newParty(t, 10)
	startSession(t, alice, bob, bundleOptions{})
	bob.mustReceive(alice.send("start"))
	var msgs []sent
	for i := 0; i < MaxSkippedKeys+3; i++ {
		msgs = append(msgs, alice.send(fmt.Sprint(i)))
	}
	bob.mustReceive(msgs[len(msgs)-1])
	bob.mustRejectUnchanged(msgs[1], ErrTooOld)
	bob.mustReceive(msgs[3])
	bob.mustReceive(msgs[len(msgs)-2])
	bob.mustRejectUnchanged(msgs[3], ErrDuplicate)
}

// TestDecryptWithoutSession checks the errors for a message that cannot
// belong to any session.
func TestDecryptWithoutSession(t *testing.T) {
	alice, bob, carol := newParty(t, 11), newParty(t, 12), newParty(t, 13)
	startSession(t, alice, bob, bundleOptions{})
	bob.mustReceive(alice.send("start"))
	reply := bob.send("reply")
	carol.mustRejectUnchanged(reply, ErrNoSession)
	// A PreKey message naming prekeys carol never had.
	startSession(t, alice, bob, bundleOptions{oneTime: true})
	carol.mustRejectUnchanged(alice.send("to bob"), ErrUnknownPreKey)
	if _, err := carol.session.Decrypt(carol.rand, carol.local, carol.prekeys, 9, reply.body); !errors.Is(err, ErrMalformed) {
		t.Fatalf("unknown message type: %v", err)
	}
}
