package transport

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// fuzzDecoders checks the round-trip property of the decoders of kinds:
// the first input byte picks the kind, the rest is the request id and
// body. Whatever parses must re-encode to exactly the input (the
// encoding is canonical), and whatever fails must fail with ErrMalformed.
func fuzzDecoders(f *testing.F, kinds ...Kind) {
	for _, m := range sampleMessages(f) {
		if i := slices.Index(kinds, m.Kind()); i >= 0 {
			body, err := MarshalMessage(3, m)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(append([]byte{byte(i)}, body[1:]...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		body := append([]byte{byte(kinds[int(data[0])%len(kinds)])}, data[1:]...)
		id, m, err := ParseMessage(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := MarshalMessage(id, m)
		if err != nil {
			t.Fatalf("parsed %s does not re-encode: %v", m.Kind(), err)
		}
		if !bytes.Equal(again, body) {
			t.Fatalf("%s re-encodes differently", m.Kind())
		}
	})
}

// FuzzParseMessage covers every kind, including unknown ones.
func FuzzParseMessage(f *testing.F) {
	for _, m := range sampleMessages(f) {
		body, _ := MarshalMessage(1, m)
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		id, m, err := ParseMessage(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if again, err := MarshalMessage(id, m); err != nil || !bytes.Equal(again, body) {
			t.Fatalf("%s does not round-trip: %v", m.Kind(), err)
		}
	})
}

// FuzzAuthMessages covers the Hello and Auth decoders.
func FuzzAuthMessages(f *testing.F) { fuzzDecoders(f, KindHello, KindAuth) }

// FuzzPreKeyMessages covers the prekey and bundle decoders.
func FuzzPreKeyMessages(f *testing.F) {
	fuzzDecoders(f, KindUploadPreKeys, KindFetchBundle, KindBundle, KindCountPreKeys, KindPreKeyCounts)
}

// FuzzMailboxMessages covers the deposit, delivery and catch-up decoders.
func FuzzMailboxMessages(f *testing.F) {
	fuzzDecoders(f, KindDeposit, KindStored, KindFetch, KindDeliver, KindAck, KindCaughtUp, KindTokenDeposit, KindTokenDepositTTL)
}

// FuzzTokenMessages covers the deposit-token decoders.
func FuzzTokenMessages(f *testing.F) {
	fuzzDecoders(f, KindTokens, KindTokenDeposit, KindTokenDepositTTL)
}

// FuzzControlMessages covers OK, Error, Ping and Pong.
func FuzzControlMessages(f *testing.F) { fuzzDecoders(f, KindOK, KindError, KindPing, KindPong) }
