package incmlkem

import (
	"bytes"
	"crypto/rand"
	"testing"
)

func TestQuick(t *testing.T) {
	keys, err := Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ct1, st, ss, err := Encaps1(keys.Header, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ct2, err := Encaps2(keys.EncapsulationKey, st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decaps(keys.DecapsulationKey, ct1, ct2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, ss) {
		t.Fatalf("mismatch")
	}
}
