// Package vectortest loads known-answer test vectors for ratchat's tests:
// the libsignal vectors copied from ../shared/vectors into a package's
// testdata folder, and the Wycheproof suites of github.com/c2sp/wycheproof.
// Both loaders are strict: a missing or malformed field fails the test.
// Only test code imports this package.
package vectortest

import (
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/c2sp/wycheproof"
)

// Load reads testdata/name and returns the named hex fields, decoded.
func Load(t testing.TB, name string, fields ...string) map[string][]byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := make(map[string][]byte, len(fields))
	for _, f := range fields {
		out[f] = Hex(t, doc, f)
	}
	return out
}

// Hex decodes the hex string field of a JSON object, failing the test if it
// is missing or not hex.
func Hex(t testing.TB, obj map[string]any, field string) []byte {
	t.Helper()
	s, ok := obj[field].(string)
	if !ok {
		t.Fatalf("field %q missing or not a string (in %v)", field, obj["tcId"])
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("field %q: %v", field, err)
	}
	return b
}

// Case is one Wycheproof test case, with the attributes of its group.
type Case struct {
	ID     int
	Result string // "valid", "invalid" or "acceptable"
	Flags  []string
	Fields map[string]any
	Group  map[string]any
}

// Hex returns the case's hex field, decoded.
func (c Case) Hex(t testing.TB, field string) []byte {
	t.Helper()
	return Hex(t, c.Fields, field)
}

// Wycheproof returns every case of every group of one Wycheproof file.
func Wycheproof(t testing.TB, name string) []Case {
	t.Helper()
	raw, err := fs.ReadFile(wycheproof.TestVectors, name)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TestGroups []map[string]any `json:"testGroups"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var out []Case
	for _, g := range doc.TestGroups {
		tests, _ := g["tests"].([]any)
		for _, raw := range tests {
			fields, _ := raw.(map[string]any)
			c := Case{Fields: fields, Group: g}
			id, _ := fields["tcId"].(float64)
			c.ID = int(id)
			c.Result, _ = fields["result"].(string)
			flags, _ := fields["flags"].([]any)
			for _, f := range flags {
				s, _ := f.(string)
				c.Flags = append(c.Flags, s)
			}
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no test cases", name)
	}
	return out
}
