package session

import (
	"bytes"
	"fmt"
	"testing"
)

// TestBitFlipsRejected flips every bit of a SignalMessage, and every bit
// of the X3DH PreKeySignalMessages (every 31st of the 1.7 KB PQXDH ones,
// whose other fields are encoded by the same code as X3DH's): each
// flip must fail and leave the session unchanged. The one exception is a
// PreKeySignalMessage's registration id: libsignal's format does not
// authenticate it (ratchat's sealed envelope does), so a flip there may
// decrypt, but only to the same plaintext, with nothing else different.
func TestBitFlipsRejected(t *testing.T) {
	for i, tc := range handshakeCases {
		t.Run(tc.name, func(t *testing.T) {
			alice, bob := newParty(t, uint64(100+i)), newParty(t, uint64(200+i))
			startSession(t, alice, bob, tc.opt)
			pre := alice.send("the first message")
			stride := 1
			if tc.opt.kem {
				stride = 31
			}
			flipEveryBit(t, bob, pre, stride)
			bob.mustReceive(pre)
			alice.mustReceive(bob.send("reply"))
			sig := alice.send("an established message")
			flipEveryBit(t, bob, sig, 1)
			bob.mustReceive(sig)
		})
	}
}

func flipEveryBit(t *testing.T, p *party, m sent, stride int) {
	t.Helper()
	for bit := 0; bit < len(m.body)*8; bit += stride {
		body := bytes.Clone(m.body)
		body[bit/8] ^= 1 << (bit % 8)
		flipped := sent{m.typ, body, m.plaintext}
		before := p.snapshot()
		d, err := p.receive(flipped)
		if err == nil {
			if m.typ == TypePreKey && onlyRegistrationIDDiffers(t, m.body, body) && bytes.Equal(d.Plaintext, m.plaintext) {
				p.session = Session{} // undo the accepted start; the caller goes on from scratch
				if err := p.session.UnmarshalBinary(before); err != nil {
					t.Fatal(err)
				}
				continue
			}
			t.Fatalf("bit %d flipped: decrypted %q", bit, d.Plaintext)
		}
		if !bytes.Equal(before, p.snapshot()) {
			t.Fatalf("bit %d flipped: session changed (%v)", bit, err)
		}
	}
}

// onlyRegistrationIDDiffers parses both PreKeySignalMessages and reports
// whether they differ in the registration id alone.
func onlyRegistrationIDDiffers(t testing.TB, a, b []byte) bool {
	t.Helper()
	ma, err := ParsePreKeySignalMessage(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := ParsePreKeySignalMessage(b)
	if err != nil {
		return false
	}
	if !bytes.Equal(ma.Message.Bytes(), mb.Message.Bytes()) {
		return false
	}
	x, y := *ma, *mb
	x.RegistrationID, y.RegistrationID = 0, 0
	x.Message, y.Message = nil, nil
	x.raw, y.raw = nil, nil
	return fmt.Sprintf("%+v", x) == fmt.Sprintf("%+v", y)
}
