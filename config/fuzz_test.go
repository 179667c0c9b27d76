package config

import (
	"errors"
	"testing"
)

// FuzzParse: any input either parses, and then prints and parses back to
// the same configuration, or fails with ErrInvalid or ErrTooLarge.
func FuzzParse(f *testing.F) {
	f.Add([]byte("[keys]\nsend = \"ctrl+s\"\n"))
	f.Add([]byte("[theme]\nmode = \"dark\"\n[theme.dark]\naccent = \"#fff\"\n"))
	f.Add([]byte("[notifications]\nbell = false\ndesktop = \"osc9\"\n"))
	f.Add([]byte("[receipts]\nsend = false\n[typing]\nshow = false\n"))
	f.Add([]byte("[keys\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data, base())
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		out, err := Encode(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("printed.toml", out, base())
		if err != nil || !equal(c, back) {
			t.Fatalf("printed configuration does not parse back: %v\n%s", err, out)
		}
	})
}
