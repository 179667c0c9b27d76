package keys

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// loadVector reads testdata/name (a copy of ../shared/vectors/name) and
// returns the named hex fields decoded. A missing or malformed field fails
// the test: the vectors are loaded strictly.
func loadVector(t *testing.T, name string, fields ...string) map[string][]byte {
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
		s, ok := doc[f].(string)
		if !ok {
			t.Fatalf("%s: field %q missing or not a string", name, f)
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatalf("%s: field %q: %v", name, f, err)
		}
		out[f] = b
	}
	return out
}

func fromHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
