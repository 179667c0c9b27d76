package transport

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"ratchat/keys"
)

// TestMessageRoundTrip encodes every kind, parses it back, and checks the
// result equals the original and re-encodes to the same bytes.
func TestMessageRoundTrip(t *testing.T) {
	seen := map[Kind]bool{}
	for _, m := range sampleMessages(t) {
		body, err := MarshalMessage(7, m)
		if err != nil {
			t.Fatalf("%s: %v", m.Kind(), err)
		}
		id, got, err := ParseMessage(body)
		if err != nil {
			t.Fatalf("%s: %v", m.Kind(), err)
		}
		if id != 7 || !reflect.DeepEqual(got, m) {
			t.Fatalf("%s: got %+v, want %+v", m.Kind(), got, m)
		}
		again, _ := MarshalMessage(7, got)
		if !bytes.Equal(again, body) {
			t.Fatalf("%s: re-encoding differs", m.Kind())
		}
		seen[m.Kind()] = true
	}
	for k := range kindNames {
		if !seen[k] {
			t.Errorf("no sample of %s", k)
		}
	}
}

// TestMessageTruncated checks that every proper prefix and every
// one-byte extension of every message is refused, except where a field
// legitimately runs to the end of the body (checked separately).
func TestMessageTruncated(t *testing.T) {
	for _, m := range sampleMessages(t) {
		body, _ := MarshalMessage(1, m)
		for n := range len(body) {
			_, got, err := ParseMessage(body[:n])
			if err == nil && !restOK(m.Kind()) {
				t.Fatalf("%s: prefix of %d bytes parsed as %+v", m.Kind(), n, got)
			}
		}
		if _, _, err := ParseMessage(append(body[:len(body):len(body)], 0)); err == nil && !restOK(m.Kind()) {
			t.Fatalf("%s: trailing byte accepted", m.Kind())
		}
	}
}

// restOK: kinds whose last field is "the rest": a prefix can only parse if
// the shorter rest is itself valid, which the envelope and bundle checks
// and the error text rules make rare, but not impossible.
func restOK(k Kind) bool { return k == KindError }

func TestMessageRejects(t *testing.T) {
	alice := testIdentity(t, 1)
	env := testEnvelope(t, alice, alice.Public, "x")
	key := alice.Public.Bytes()
	lowOrder := append([]byte{keys.TypeDJB}, make([]byte, 32)...)
	cases := []struct {
		name string
		body []byte
	}{
		{"empty", nil},
		{"short header", []byte{byte(KindPing), 0, 0}},
		{"unknown kind", []byte{99, 0, 0, 0, 1}},
		{"kind zero", []byte{0, 0, 0, 0, 1}},
		{"ping with payload", []byte{byte(KindPing), 0, 0, 0, 1, 0}},
		{"caught-up with payload", []byte{byte(KindCaughtUp), 0, 0, 0, 0, 0}},
		{"kind past the last", []byte{byte(KindCaughtUp) + 1, 0, 0, 0, 0}},
		{"low-order key", append([]byte{byte(KindFetchBundle), 0, 0, 0, 1}, lowOrder...)},
		{"wrong key type", append([]byte{byte(KindFetchBundle), 0, 0, 0, 1, 0x06}, key[1:]...)},
		{"stored id 0", []byte{byte(KindStored), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"ack empty", []byte{byte(KindAck), 0, 0, 0, 1, 0, 0}},
		{"ack descending", []byte{byte(KindAck), 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1}},
		{"ack repeated", []byte{byte(KindAck), 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2}},
		{"error control char", append([]byte{byte(KindError), 0, 0, 0, 1, 0, 1}, "a\x1b[2J"...)},
		{"deposit bad envelope", append(append([]byte{byte(KindDeposit), 0, 0, 0, 1}, key...), env[:len(env)-1]...)},
		{"deposit no envelope", append([]byte{byte(KindDeposit), 0, 0, 0, 1}, key...)},
		// Lifetimes: 0 is KindTokenDeposit's to say; past ten years is refused.
		{"ttl deposit zero lifetime", ttlDeposit(key, testToken, 0, env)},
		{"ttl deposit lifetime past max", ttlDeposit(key, testToken, uint32(MaxLifetime/time.Second)+1, env)},
		{"ttl deposit lifetime all ones", ttlDeposit(key, testToken, 0xffffffff, env)},
		{"ttl deposit zero token", ttlDeposit(key, Token{}, 60, env)},
		{"ttl deposit bad envelope", ttlDeposit(key, testToken, 60, env[:len(env)-1])},
		{"ttl deposit short lifetime", append(append(append([]byte{byte(KindTokenDepositTTL), 0, 0, 0, 9}, key...), testToken[:]...), 0, 0)},
	}
	for _, c := range cases {
		if _, m, err := ParseMessage(c.body); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %+v, %v", c.name, m, err)
		}
	}
}

func TestMarshalRefusesInvalid(t *testing.T) {
	alice := testIdentity(t, 1)
	env := testEnvelope(t, alice, alice.Public, "x")
	up := testUpload(t, alice, 2, 0)
	up.OneTime[1].ID = up.OneTime[0].ID // not ascending
	bad := []Message{
		&Ack{},                                 // no ids
		&Ack{IDs: make([]uint64, MaxAckIDs+1)}, // too many
		&Error{Text: string(make([]byte, MaxErrorText+1))},
		&Deposit{Recipient: alice.Public, Envelope: []byte("not an envelope")},
		&Deposit{Recipient: alice.Public, Lifetime: time.Hour, Envelope: env},                                 // lifetime, no token
		&Deposit{Recipient: alice.Public, Token: testToken, Lifetime: 1500 * time.Millisecond, Envelope: env}, // not whole seconds
		&Deposit{Recipient: alice.Public, Token: testToken, Lifetime: -time.Second, Envelope: env},
		&Deposit{Recipient: alice.Public, Token: testToken, Lifetime: MaxLifetime + time.Second, Envelope: env},
		&FetchBundle{}, // zero key
		up,
	}
	for _, m := range bad {
		if _, err := MarshalMessage(1, m); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", m.Kind(), err)
		}
	}
}

// ttlDeposit builds a KindTokenDepositTTL body (request id 9) by hand.
func ttlDeposit(key []byte, token Token, secs uint32, env []byte) []byte {
	b := append([]byte{byte(KindTokenDepositTTL), 0, 0, 0, 9}, key...)
	b = append(b, token[:]...)
	b = appendU32(b, secs)
	return append(b, env...)
}

// TestDepositLifetimeLayout pins the deposit kinds' bytes: without a
// lifetime a deposit is the KindTokenDeposit it always was; with one it
// is a KindTokenDepositTTL, the lifetime in seconds after the token.
func TestDepositLifetimeLayout(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	env := testEnvelope(t, bob, alice.Public, "x")
	key := alice.Public.Bytes()
	plain := append(append(append([]byte{byte(KindTokenDeposit), 0, 0, 0, 9}, key...), testToken[:]...), env...)
	cases := []struct {
		name     string
		lifetime time.Duration
		want     []byte
	}{
		{"none", 0, plain},
		{"one second", time.Second, ttlDeposit(key, testToken, 1, env)},
		{"an hour", time.Hour, ttlDeposit(key, testToken, 3600, env)},
		{"ten years", MaxLifetime, ttlDeposit(key, testToken, 315360000, env)},
	}
	for _, c := range cases {
		got, err := MarshalMessage(9, &Deposit{Recipient: alice.Public, Token: testToken, Lifetime: c.lifetime, Envelope: env})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !bytes.Equal(got, c.want) {
			t.Fatalf("%s: got %x, want %x", c.name, got, c.want)
		}
		_, m, err := ParseMessage(got)
		if err != nil || m.(*Deposit).Lifetime != c.lifetime {
			t.Fatalf("%s: parsed %+v, %v", c.name, m, err)
		}
	}
}

func TestUploadLimitsAndFlags(t *testing.T) {
	alice := testIdentity(t, 1)
	up := testUpload(t, alice, MaxOneTimePreKeysPerUpload, MaxKEMPreKeysPerUpload)
	body, err := MarshalMessage(1, up)
	if err != nil {
		t.Fatalf("largest upload: %v", err)
	}
	if len(body) > MaxFrameSize {
		t.Fatalf("largest upload is %d bytes", len(body))
	}
	// Flags other than bit 0 are refused.
	flagAt := headerSize + 4 + (4 + 33 + 64) + (4 + 1 + keys.KEMPublicKeySize + 64)
	body[flagAt] = 2
	if _, _, err := ParseMessage(body); !errors.Is(err, ErrMalformed) {
		t.Fatalf("flag 2 accepted: %v", err)
	}
	if err := up.Verify(alice.Public); err != nil {
		t.Fatal(err)
	}
	if err := up.Verify(testIdentity(t, 2).Public); !errors.Is(err, keys.ErrBadSignature) {
		t.Fatalf("verify under another key: %v", err)
	}
	up = testUpload(t, alice, 0, 1)
	up.KEM[0].ID = up.LastResort.ID
	if _, err := MarshalMessage(1, up); !errors.Is(err, ErrMalformed) {
		t.Fatalf("KEM id equal to last resort: %v", err)
	}
}

func TestAuth(t *testing.T) {
	alice, home := testIdentity(t, 1), testIdentity(t, 2)
	h := &Hello{Version: ProtocolVersion, Home: home.Public, Challenge: [32]byte{9}}
	a, err := NewAuth(testRand(1), alice, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Verify(h); err != nil {
		t.Fatal(err)
	}
	other := *h
	other.Challenge[0] = 8
	if err := a.Verify(&other); !errors.Is(err, keys.ErrBadSignature) {
		t.Fatalf("other challenge: %v", err)
	}
	other = *h
	other.Home = alice.Public
	if err := a.Verify(&other); !errors.Is(err, keys.ErrBadSignature) {
		t.Fatalf("other home: %v", err)
	}
	tr := AuthTranscript(h.Home, h.Challenge)
	if !bytes.HasPrefix(tr, []byte(AuthLabel)) || len(tr) != len(AuthLabel)+33+32 {
		t.Fatalf("transcript layout")
	}
}
