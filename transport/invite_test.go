package transport

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"ratchat/keys"
)

func TestInviteRoundTrip(t *testing.T) {
	id := testIdentity(t, 1).Public
	for _, addr := range []string{"127.0.0.1:7700", "[2001:db8::1]:443", "relay.example.org:65535",
		"a:1", strings.Repeat("a", MaxInviteAddress-6) + ":65535"} {
		for _, token := range []Token{{0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff}, {}} {
			inviteRoundTrip(t, Invite{Identity: id, Address: addr, Token: token})
		}
	}
}

// TestOldInviteParses: an invite of version 1, from before deposit
// tokens (this text was made by that version), still parses, with no
// token.
func TestOldInviteParses(t *testing.T) {
	const old = "RATCHAT1:AEVJFNZUJYISZO6CYFTUWQJ2LI2TTGUXRYKKXRAN7U3LJL734JBGIMJSG4XDALRQFYYTUNZXGAYOMD3FDQ"
	inv, err := ParseInvite(old)
	if err != nil {
		t.Fatal(err)
	}
	if !inv.Token.IsZero() || inv.Address != "127.0.0.1:7700" {
		t.Fatalf("old invite parsed as %+v", inv)
	}
	if enc, err := inv.Encode(); err != nil || enc != old {
		t.Fatalf("re-encodes as %q, %v", enc, err)
	}
}

func inviteRoundTrip(t *testing.T, inv Invite) {
	t.Helper()
	addr := inv.Address
	{
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

// wrap breaks s into lines of width characters, each ended by eol.
func wrap(s string, width int, eol string) string {
	var b strings.Builder
	for len(s) > width {
		b.WriteString(s[:width] + eol)
		s = s[width:]
	}
	return b.String() + s
}

// TestInviteWhiteSpace: white space anywhere in an invite is ignored, as a
// terminal or a mail program inserts it, and nothing else is.
func TestInviteWhiteSpace(t *testing.T) {
	inv := Invite{Identity: testIdentity(t, 1).Public, Address: "relay.example.org:7700"}
	good, err := inv.Encode()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, text string
		ok         bool
	}{
		{"wrapped at 80 columns", wrap(good, 80, "\n"), true},
		{"wrapped at 20 columns", wrap(good, 20, "\n"), true},
		{"wrapped with CRLF", wrap(good, 20, "\r\n"), true},
		{"wrapped and indented", wrap(good, 30, "\n    "), true},
		{"leading and trailing spaces", "   " + good + " \t\r\n", true},
		{"spaces and tabs inside", good[:5] + " " + good[5:40] + "\t\t" + good[40:], true},
		{"no-break space and line separator", good[:10] + "\u00a0" + good[10:50] + "\u2028" + good[50:], true},
		{"lower case, wrapped", wrap(strings.ToLower(good), 16, "\n"), true},
		{"wrapped at 1 column, indented", wrap(good, 1, "\r\n    "), true},
		{"white space over the raw bound", good + strings.Repeat(" ", MaxInviteInput), false},
		{"zero-width space (not white space)", good[:10] + "\u200b" + good[10:], false},
		{"dotless i upper-cases to I", strings.Replace(good, "I", "ı", 1), false},
		{"doubled after white space", good + "\n" + good, false},
	}
	if !strings.Contains(good, "I") {
		t.Fatal("the dotless-i case needs an I in the invite")
	}
	for _, c := range cases {
		got, err := ParseInvite(c.text)
		switch {
		case c.ok && (err != nil || got != inv):
			t.Errorf("%s: %+v, %v", c.name, got, err)
		case !c.ok && !errors.Is(err, ErrInvite):
			t.Errorf("%s: accepted (%v)", c.name, err)
		}
	}
}

// dropSpace removes Unicode white space from s.
func dropSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// FuzzParseInvite: anything that parses re-encodes to the same invite,
// and errors are always ErrInvite.
func FuzzParseInvite(f *testing.F) {
	good, _ := Invite{Identity: testIdentity(f, 1).Public, Address: "relay.example.org:7700"}.Encode()
	f.Add(good)
	f.Add("RATCHAT1:")
	f.Add(strings.ToLower(good))
	f.Add(wrap(good, 20, "\r\n"))
	withToken, _ := Invite{Identity: testIdentity(f, 1).Public, Address: "1.2.3.4:5", Token: Token{1}}.Encode()
	f.Add(withToken)
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
		if enc != strings.ToUpper(dropSpace(text)) {
			t.Fatalf("re-encodes as %q", enc)
		}
	})
}
