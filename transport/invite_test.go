package transport

import (
	"errors"
	"strings"
	"testing"

	"ratchat/keys"
)

func TestInviteRoundTrip(t *testing.T) {
	id := testIdentity(t, 1).Public
	for _, addr := range []string{"127.0.0.1:7700", "[2001:db8::1]:443", "relay.example.org:65535",
		"a:1", strings.Repeat("a", MaxInviteAddress-6) + ":65535"} {
		inv := Invite{Identity: id, Address: addr}
		text, err := inv.Encode()
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		if len(text) > MaxInviteSize {
			t.Fatalf("%s: invite of %d characters", addr, len(text))
		}
		if strings.Trim(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:") != "" {
			t.Fatalf("%s: %q leaves QR alphanumeric mode", addr, text)
		}
		for _, variant := range []string{text, strings.ToLower(text), "  " + text + "\n"} {
			got, err := ParseInvite(variant)
			if err != nil || got != inv {
				t.Fatalf("%s: %+v %v", addr, got, err)
			}
		}
	}
}

func TestInviteErrors(t *testing.T) {
	id := testIdentity(t, 1).Public
	good, _ := Invite{Identity: id, Address: "127.0.0.1:7700"}.Encode()
	typo := []byte(good)
	typo[20] = map[bool]byte{true: 'B', false: 'A'}[typo[20] == 'A']
	cases := []struct {
		name, text string
		want       error
	}{
		{"empty", "", ErrInvite},
		{"other prefix", "RATCHAT:SN2:" + good[9:], ErrInvite},
		{"typo", string(typo), ErrInviteChecksum},
		{"truncated", good[:len(good)-4], ErrInvite},
		{"bad character", good[:20] + "1" + good[21:], ErrInvite},
		{"too long", good + strings.Repeat("A", MaxInviteSize), ErrInvite},
	}
	for _, c := range cases {
		if _, err := ParseInvite(c.text); !errors.Is(err, c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	for _, addr := range []string{"", "host", "host:0", "host:65536", "host:007", "Host:1", "-a:1",
		"1.2.3.4.5:1", "[::1%eth0]:1", "[::FFFF]:1", "a..b:1", "host:1 ", "a_b:1", "123:1",
		strings.Repeat("a", MaxInviteAddress) + ":1"} {
		if _, err := (Invite{Identity: id, Address: addr}).Encode(); !errors.Is(err, ErrInvite) {
			t.Errorf("address %q accepted", addr)
		}
	}
	if _, err := (Invite{Address: "a:1"}).Encode(); !errors.Is(err, keys.ErrLowOrderKey) {
		t.Errorf("zero key: %v", err)
	}
}

// FuzzParseInvite: anything that parses re-encodes to the same invite,
// and errors are always ErrInvite.
func FuzzParseInvite(f *testing.F) {
	good, _ := Invite{Identity: testIdentity(f, 1).Public, Address: "relay.example.org:7700"}.Encode()
	f.Add(good)
	f.Add("RATCHAT1:")
	f.Add(strings.ToLower(good))
	f.Fuzz(func(t *testing.T, text string) {
		inv, err := ParseInvite(text)
		if err != nil {
			if !errors.Is(err, ErrInvite) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		enc, err := inv.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if enc != strings.ToUpper(strings.TrimSpace(text)) {
			t.Fatalf("re-encodes as %q", enc)
		}
	})
}
