package transport

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"ratchat/keys"
)

func TestParseAllowList(t *testing.T) {
	a, b := testIdentity(t, 1).Public, testIdentity(t, 2).Public
	inv, err := Invite{Identity: b, Address: "relay.example.org:7700"}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	rawA := hex.EncodeToString(a[:]) // 32 bytes, no type byte
	cases := []struct {
		name, text string
		want       []keys.PublicKey
		err        error
	}{
		{"serialized hex key", a.String() + "\n", []keys.PublicKey{a}, nil},
		{"raw hex key, upper case", strings.ToUpper(rawA), []keys.PublicKey{a}, nil},
		{"invite, lower case", strings.ToLower(inv), []keys.PublicKey{b}, nil},
		{"comments, blank lines, CRLF, indentation",
			"# friends\r\n\r\n  " + a.String() + "  # alice\r\n\t" + inv + "\r\n", []keys.PublicKey{a, b}, nil},
		{"no final newline", a.String() + "\n" + inv, []keys.PublicKey{a, b}, nil},
		{"longest line", a.String() + " #" + strings.Repeat("x", MaxAllowLine-len(a.String())-3) + "\n",
			[]keys.PublicKey{a}, nil},

		{"empty", "", nil, ErrAllowListEmpty},
		{"only comments and blank lines", "# nobody yet\n\n   \n#" + a.String() + "\n", nil, ErrAllowListEmpty},
		{"one byte over the line bound", a.String() + " #" + strings.Repeat("x", MaxAllowLine-len(a.String())-2) + "\n",
			nil, ErrAllowListSize},
		{"not hex", "alice\n", nil, ErrAllowList},
		{"hex of the wrong length", rawA[:62] + "\n", nil, keys.ErrKeyLength},
		{"wrong type byte", "06" + rawA, nil, keys.ErrKeyType},
		{"low-order key", strings.Repeat("00", keys.KeySize), nil, keys.ErrLowOrderKey},
		{"mistyped invite", inv[:len(inv)-1] + "A", nil, ErrInviteChecksum},
		{"two keys on a line", a.String() + " " + b.String(), nil, ErrAllowList},
	}
	for _, c := range cases {
		got, err := ParseAllowList(strings.NewReader(c.text))
		if c.err != nil {
			if !errors.Is(err, c.err) || !errors.Is(err, ErrAllowList) {
				t.Errorf("%s: error %v, want %v", c.name, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, %v", c.name, got, err)
		}
	}
}

func TestParseAllowListBounds(t *testing.T) {
	line := testIdentity(t, 1).Public.String() + "\n"
	list, err := ParseAllowList(strings.NewReader(strings.Repeat(line, MaxAllowEntries)))
	if err != nil || len(list) != MaxAllowEntries {
		t.Fatalf("%d entries: %v", len(list), err)
	}
	_, err = ParseAllowList(strings.NewReader(strings.Repeat(line, MaxAllowEntries+1)))
	if !errors.Is(err, ErrAllowListSize) {
		t.Fatalf("%d entries accepted: %v", MaxAllowEntries+1, err)
	}
}

func TestReadAllowList(t *testing.T) {
	a := testIdentity(t, 1).Public
	dir := t.TempDir()
	good, empty := filepath.Join(dir, "allow.txt"), filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(good, []byte(a.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, []byte("# nobody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadAllowList(good); err != nil || len(got) != 1 || got[0] != a {
		t.Errorf("%s: %v, %v", good, got, err)
	}
	if _, err := ReadAllowList(empty); !errors.Is(err, ErrAllowListEmpty) || !strings.Contains(err.Error(), empty) {
		t.Errorf("empty file: %v", err)
	}
	if _, err := ReadAllowList(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzParseAllowList: a list either parses to between 1 and
// MaxAllowEntries valid keys, which read back the same written as hex, or
// fails with ErrAllowList.
func FuzzParseAllowList(f *testing.F) {
	a, b := testIdentity(f, 1).Public, testIdentity(f, 2).Public
	inv, _ := Invite{Identity: b, Address: "127.0.0.1:7700"}.Encode()
	f.Add("# friends\n" + a.String() + " # alice\r\n\n" + inv + "\n")
	f.Add(hex.EncodeToString(a[:]))
	f.Add("")
	f.Add("#\n\n")
	f.Add(strings.Repeat("x", MaxAllowLine+1))
	f.Fuzz(func(t *testing.T, text string) {
		list, err := ParseAllowList(strings.NewReader(text))
		if err != nil {
			if !errors.Is(err, ErrAllowList) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(list) == 0 || len(list) > MaxAllowEntries {
			t.Fatalf("%d entries", len(list))
		}
		var again strings.Builder
		for _, k := range list {
			if _, err := keys.ParsePublicKey(k.Bytes()); err != nil {
				t.Fatalf("invalid key %s: %v", k, err)
			}
			again.WriteString(k.String() + "\n")
		}
		back, err := ParseAllowList(strings.NewReader(again.String()))
		if err != nil || !slices.Equal(back, list) {
			t.Fatalf("reads back as %v, %v", back, err)
		}
	})
}
