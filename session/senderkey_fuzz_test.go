package session

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzSenderKeyDistributionMessage checks that parsing never panics, fails
// only with typed errors, and that a parsed message serializes to bytes
// that parse back to the same message.
func FuzzSenderKeyDistributionMessage(f *testing.F) {
	p := newGroupPair(f, 20)
	f.Add(p.dist.Marshal())
	zero := SenderKeyDistributionMessage{SigningKey: p.dist.SigningKey}
	f.Add(zero.Marshal())
	f.Add(append(p.dist.Marshal(), fv(9, 7)...)) // a newer field, skipped
	f.Add(p.dist.Marshal()[:40])                 // truncated
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseSenderKeyDistributionMessage(b)
		if err != nil {
			checkParseError(t, m != nil, err)
			return
		}
		m2, err := ParseSenderKeyDistributionMessage(m.Marshal())
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
		if *m2 != *m {
			t.Fatalf("re-encoded message differs: %+v, %+v", m2, m)
		}
		var r SenderKeyRecord
		if err := r.Process(m); err != nil {
			t.Fatalf("a parsed distribution is refused: %v", err)
		}
	})
}

// FuzzSenderKeyMessage parses each input and decrypts it against a record
// that read two of the seeds' four messages. It checks that failures are
// typed protocol errors that leave the record unchanged, that only the
// seeds decrypt (the signature covers every byte), and that a message that
// decrypted is a duplicate the second time.
func FuzzSenderKeyMessage(f *testing.F) {
	p := newGroupPair(f, 21)
	msgs := p.encrypt(f, 4)
	mustDecrypt(f, p.receiver, msgs[3], 3)
	mustDecrypt(f, p.receiver, msgs[1], 1)
	snapshot := marshalRecord(f, p.receiver)
	for _, m := range msgs {
		f.Add(m)
	}
	f.Add(msgs[0][:len(msgs[0])-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		id, chain, perr := SenderKeyMessageDistribution(b)
		var r SenderKeyRecord
		if err := r.UnmarshalBinary(snapshot); err != nil {
			t.Fatal(err)
		}
		plaintext, err := r.Decrypt(b)
		if err != nil {
			if !IsProtocolError(err) {
				t.Fatalf("untyped error: %v", err)
			}
			if plaintext != nil {
				t.Fatal("plaintext returned with an error")
			}
			if !bytes.Equal(marshalRecord(t, &r), snapshot) {
				t.Fatalf("record changed by a refused message (%v)", err)
			}
			return
		}
		if perr != nil || id != testDistribution || chain != p.dist.ChainID {
			t.Fatalf("decrypted, but peeked %x/%d, %v", id, chain, perr)
		}
		if !isSeed(msgs, b) {
			t.Fatalf("forged message decrypts: %x", b)
		}
		if _, err := r.Decrypt(b); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("second decryption: %v, want ErrDuplicate", err)
		}
	})
}

// FuzzSenderKeyRecord checks that loading never panics, fails only with
// [ErrMalformed], and that a record that loads serializes to exactly the
// input (the format has one encoding) and survives a decryption attempt.
func FuzzSenderKeyRecord(f *testing.F) {
	p := newGroupPair(f, 22)
	msgs := p.encrypt(f, 3)
	mustDecrypt(f, p.receiver, msgs[2], 2)
	f.Add(marshalRecord(f, p.receiver))
	f.Add(marshalRecord(f, p.sender))
	f.Add(marshalRecord(f, &SenderKeyRecord{}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r SenderKeyRecord
		if err := r.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if !bytes.Equal(marshalRecord(t, &r), b) {
			t.Fatal("a loaded record serializes differently")
		}
		if _, err := r.Decrypt(msgs[0]); err != nil && !IsProtocolError(err) {
			t.Fatalf("untyped error: %v", err)
		}
	})
}
