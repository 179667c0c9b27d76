package keys

import (
	"errors"
	"strings"
	"testing"
)

// qrAlphanumeric is the character set of QR alphanumeric mode (ISO/IEC 18004).
const qrAlphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

func testSafetyNumber(t testing.TB) SafetyNumber {
	t.Helper()
	return NewSafetyNumber(mustGenerate(t).Public, mustGenerate(t).Public)
}

func TestQRPayloadRoundTrip(t *testing.T) {
	sn := testSafetyNumber(t)
	payload := QRPayload(sn)
	if payload != "RATCHAT:SN2:"+sn.String() {
		t.Fatalf("payload = %q", payload)
	}
	if strings.Trim(payload, qrAlphanumeric) != "" {
		t.Fatalf("payload %q leaves QR alphanumeric mode", payload)
	}
	for _, in := range []string{payload, payload + "\n", payload + "\r\n", " \t" + payload + " ", "\n\n" + payload} {
		got, err := ParseQRPayload(in)
		if err != nil || got != sn {
			t.Errorf("ParseQRPayload(%q) = %v, %v; want %v", in, got, err, sn)
		}
	}
}

func TestParseQRPayloadNegative(t *testing.T) {
	digits := testSafetyNumber(t).String()
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"prefix only", QRPrefix},
		{"digits without prefix", digits},
		{"lower-case prefix", strings.ToLower(QRPrefix) + digits},
		{"version 1 prefix", "RATCHAT:SN1:" + digits},
		{"prefix without final colon", "RATCHAT:SN2" + digits},
		{"prefix twice", QRPrefix + QRPrefix + digits},
		{"text before the prefix", "x" + QRPrefix + digits},
		{"59 digits", QRPrefix + digits[:59]},
		{"61 digits", QRPrefix + digits + "0"},
		{"letter among the digits", QRPrefix + digits[:30] + "A" + digits[31:]},
		{"groups with spaces", QRPrefix + testSafetyNumber(t).Display()},
		{"newline inside", QRPrefix + digits[:30] + "\n" + digits[30:]},
		{"NUL at the end", QRPrefix + digits + "\x00"},
		{"Arabic-Indic digit", QRPrefix + digits[:59] + "\u0663"},
		{"fullwidth digit", QRPrefix + digits[:59] + "\uff13"},
		{"no-break space is not trimmed", "\u00a0" + QRPrefix + digits},
		{"oversize even if trimmed to a good payload", strings.Repeat(" ", MaxQRPayloadSize) + QRPrefix + digits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sn, err := ParseQRPayload(tt.in)
			if !errors.Is(err, ErrQRPayload) || sn != (SafetyNumber{}) {
				t.Fatalf("ParseQRPayload = %v, %v; want ErrQRPayload", sn, err)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	sn := testSafetyNumber(t)
	d := sn.String()
	groups := sn.Groups()
	changed := []byte(d)
	changed[37] = '0' + (changed[37]-'0'+1)%10
	tests := []struct {
		name   string
		pasted string
		want   bool
	}{
		{"bare digits", d, true},
		{"display form", sn.Display(), true},
		{"dashes", strings.Join(groups, "-"), true},
		{"one group per line", strings.Join(groups, "\n") + "\n", true},
		{"four lines of three groups, CRLF", strings.Join(groups[:3], " ") + "\r\n" + strings.Join(groups[3:6], " ") +
			"\r\n" + strings.Join(groups[6:9], " ") + "\r\n" + strings.Join(groups[9:], " "), true},
		{"surrounding whitespace", "  \t" + d + "\n", true},
		{"the QR payload text", QRPayload(sn), true},
		{"one digit changed", string(changed), false},
		{"one digit changed, display form", safetyNumberOf(string(changed)).Display(), false},
		{"59 digits", d[:59], false},
		{"61 digits", d + "1", false},
		{"digits twice", d + d, false},
		{"empty", "", false},
		{"halves swapped", d[30:] + d[:30], false},
		{"over the size limit", d + strings.Repeat(" ", MaxPastedCodeSize), false},
		{"QR payload of version 1", "RATCHAT:SN1:" + d, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sn.Matches(tt.pasted); got != tt.want {
				t.Fatalf("Matches(%q) = %v, want %v", tt.pasted, got, tt.want)
			}
		})
	}
	var zero SafetyNumber
	for _, pasted := range []string{"", strings.Repeat("0", 60), string(make([]byte, 60))} {
		if zero.Matches(pasted) {
			t.Errorf("the zero SafetyNumber matched %q", pasted)
		}
	}
}

// safetyNumberOf builds a SafetyNumber from 60 digits, unchecked.
func safetyNumberOf(digits string) SafetyNumber {
	var sn SafetyNumber
	copy(sn.digits[:], digits)
	return sn
}

// FuzzParseQRPayload checks that ParseQRPayload never panics, that its
// errors are typed, and that what it accepts is exactly a trimmed payload
// that the number then matches.
func FuzzParseQRPayload(f *testing.F) {
	sn := testSafetyNumber(f)
	for _, seed := range []string{QRPayload(sn), QRPayload(sn) + "\r\n", " " + QRPayload(sn), QRPrefix, sn.String(), sn.Display(), ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseQRPayload(in)
		if err != nil {
			if !errors.Is(err, ErrQRPayload) || got != (SafetyNumber{}) {
				t.Fatalf("ParseQRPayload(%q) = %v, %v: want zero and ErrQRPayload", in, got, err)
			}
			return
		}
		if want := strings.Trim(in, " \t\r\n"); QRPayload(got) != want {
			t.Fatalf("QRPayload(ParseQRPayload(%q)) = %q, want %q", in, QRPayload(got), want)
		}
		if !got.Matches(in) {
			t.Fatalf("%v does not match its own payload %q", got, in)
		}
	})
}
