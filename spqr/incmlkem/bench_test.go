package incmlkem

import (
	"crypto/mlkem"
	"crypto/rand"
	"testing"
)

// The three benchmarks below are read as ratios in one run:
// (Encaps1 + Encaps2) / StdlibEncapsulate768 is the cost of the split.

func BenchmarkEncaps1(b *testing.B) {
	keys, err := Generate(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := Encaps1(keys.Header, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncaps2(b *testing.B) {
	keys, err := Generate(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	_, state, _, err := Encaps1(keys.Header, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encaps2(keys.EncapsulationKey, state); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecaps(b *testing.B) {
	keys, err := Generate(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	ct1, state, _, err := Encaps1(keys.Header, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	ct2, err := Encaps2(keys.EncapsulationKey, state)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decaps(keys.DecapsulationKey, ct1, ct2); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdlibEncapsulate768 is the baseline: one whole encapsulation by
// crypto/mlkem to a key already parsed.
func BenchmarkStdlibEncapsulate768(b *testing.B) {
	dk, err := mlkem.GenerateKey768()
	if err != nil {
		b.Fatal(err)
	}
	ek := dk.EncapsulationKey()
	b.ReportAllocs()
	for b.Loop() {
		ek.Encapsulate()
	}
}

// BenchmarkStdlibParseAndEncapsulate768 is the baseline including parsing
// the encapsulation key, as the braid receives it as bytes.
func BenchmarkStdlibParseAndEncapsulate768(b *testing.B) {
	dk, err := mlkem.GenerateKey768()
	if err != nil {
		b.Fatal(err)
	}
	ekBytes := dk.EncapsulationKey().Bytes()
	b.ReportAllocs()
	for b.Loop() {
		ek, err := mlkem.NewEncapsulationKey768(ekBytes)
		if err != nil {
			b.Fatal(err)
		}
		ek.Encapsulate()
	}
}
