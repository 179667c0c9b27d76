package keys

import (
	"encoding/hex"
	"testing"

	"ratchat/internal/vectortest"
)

// loadVector reads testdata/name (a copy of ../shared/vectors/name)
// strictly: see [vectortest.Load].
func loadVector(t *testing.T, name string, fields ...string) map[string][]byte {
	t.Helper()
	return vectortest.Load(t, name, fields...)
}

func fromHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
