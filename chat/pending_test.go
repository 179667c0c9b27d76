package chat

import (
	"errors"
	"testing"
	"time"

	"ratchat/session"
)

// TestDecodeKept reads kept control messages back, and refuses malformed
// ones with errBadKept.
func TestDecodeKept(t *testing.T) {
	token := &Content{Kind: KindToken, ID: [16]byte{1}, Sent: time.Unix(1e9, 0), Token: [16]byte{2}}
	plain, err := token.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	kept := func(newSession bool) []byte {
		return encodeKept(&incoming{result: &session.Decrypted{Plaintext: plain, NewSession: newSession}})
	}
	tests := []struct {
		name       string
		body       []byte
		newSession bool
		ok         bool
	}{
		{"kept", kept(false), false, true},
		{"kept, a new session", kept(true), true, true},
		{"empty", nil, false, false},
		{"no content", []byte{keptV, 0}, false, false},
		{"another version", append([]byte{keptV + 1}, kept(false)[1:]...), false, false},
		{"unknown flag", append([]byte{keptV, 2}, plain...), false, false},
		{"not a content", []byte{keptV, 0, 0xff, 0xff, 0xff}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, newSession, err := decodeKept(tt.body)
			if !tt.ok {
				if !errors.Is(err, errBadKept) {
					t.Fatalf("decoded %+v, %v; want errBadKept", c, err)
				}
				return
			}
			if err != nil || c.Kind != KindToken || c.ID != token.ID || newSession != tt.newSession {
				t.Fatalf("decoded %+v, new session %v, %v", c, newSession, err)
			}
		})
	}
}

// FuzzDecodeKept: any bytes decode to a control message or errBadKept,
// never a panic.
func FuzzDecodeKept(f *testing.F) {
	plain, err := (&Content{Kind: KindTimer, Sent: time.Unix(1e9, 0), Timer: time.Hour}).Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append([]byte{keptV, keptNewSession}, plain...))
	f.Add([]byte{keptV})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _, err := decodeKept(b)
		if err != nil && !errors.Is(err, errBadKept) {
			t.Fatalf("error %v is not errBadKept", err)
		}
		if err == nil && c == nil {
			t.Fatal("no content and no error")
		}
	})
}

// TestKeepsEffect: what is kept until applied, and what is not.
func TestKeepsEffect(t *testing.T) {
	for _, tt := range []struct {
		kind Kind
		want bool
	}{
		{KindReceipt, true}, {KindToken, true}, {KindTimer, true}, {KindProfile, true},
		{KindGroupUpdate, true}, {KindSenderKey, true}, {KindFileDone, true},
		{KindTyping, false}, {KindFileChunk, false}, {0, false},
	} {
		if got := keepsEffect(tt.kind); got != tt.want {
			t.Errorf("keepsEffect(%d) = %v, want %v", tt.kind, got, tt.want)
		}
	}
}
