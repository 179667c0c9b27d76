package incmlkem_test

import (
	"bytes"
	"crypto/rand"
	"fmt"

	"ratchat/spqr/incmlkem"
)

// The braid's two sides: A sends its header first and its encapsulation key
// later; B answers the header with ct1 (and already knows the secret), and
// the key with ct2.
func Example() {
	keysA, err := incmlkem.Generate(rand.Reader)
	if err != nil {
		panic(err)
	}

	// B has the header.
	ct1, state, secretB, err := incmlkem.Encaps1(keysA.Header, rand.Reader)
	if err != nil {
		panic(err)
	}
	// Later, B has the encapsulation key too.
	ct2, err := incmlkem.Encaps2(keysA.EncapsulationKey, state)
	if err != nil {
		panic(err)
	}

	// A has ct1 and ct2.
	secretA, err := incmlkem.Decaps(keysA.DecapsulationKey, ct1, ct2)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(keysA.Header), len(keysA.EncapsulationKey), len(ct1), len(ct2), bytes.Equal(secretA, secretB))
	// Output: 64 1152 960 128 true
}
