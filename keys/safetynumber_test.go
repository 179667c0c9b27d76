package keys

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hexBytes is a JSON string of hex digits, decoded strictly.
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

// fingerprintVector mirrors testdata/fingerprint.json field for field.
type fingerprintVector struct {
	Iterations     int      `json:"iterations"`
	AliceIdentity  hexBytes `json:"alice_identity"`
	BobIdentity    hexBytes `json:"bob_identity"`
	AliceStableID  string   `json:"alice_stable_id_ascii"`
	BobStableID    string   `json:"bob_stable_id_ascii"`
	Display        string   `json:"display"`
	AliceHalf      string   `json:"alice_half"`
	BobHalf        string   `json:"bob_half"`
	AliceHash      hexBytes `json:"alice_hash_derived"`
	BobHash        hexBytes `json:"bob_hash_derived"`
	ScannableBytes struct {
		AliceV1 hexBytes `json:"alice_v1"`
		BobV1   hexBytes `json:"bob_v1"`
		AliceV2 hexBytes `json:"alice_v2"`
		BobV2   hexBytes `json:"bob_v2"`
	} `json:"scannable"`
	EncodingOnly struct {
		Version       uint32   `json:"version"`
		LocalContent  hexBytes `json:"local_content"`
		RemoteContent hexBytes `json:"remote_content"`
		Expected      hexBytes `json:"expected"`
	} `json:"encoding_only"`
}

// loadFingerprintVector reads testdata/fingerprint.json strictly, as
// loadVector does for the flat files: unknown fields, bad hex, trailing data
// or a missing field fail the test.
func loadFingerprintVector(t *testing.T) fingerprintVector {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "fingerprint.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var v fingerprintVector
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("fingerprint.json: %v", err)
	}
	if dec.More() {
		t.Fatal("fingerprint.json: trailing data")
	}
	s := v.ScannableBytes
	e := v.EncodingOnly
	for i, f := range [][]byte{v.AliceIdentity, v.BobIdentity, []byte(v.AliceStableID), []byte(v.BobStableID),
		[]byte(v.Display), []byte(v.AliceHalf), []byte(v.BobHalf), v.AliceHash, v.BobHash,
		s.AliceV1, s.BobV1, s.AliceV2, s.BobV2, e.LocalContent, e.RemoteContent, e.Expected} {
		if len(f) == 0 {
			t.Fatalf("fingerprint.json: field %d missing or empty", i)
		}
	}
	if v.Iterations != FingerprintIterations || e.Version != ScannableVersion {
		t.Fatalf("fingerprint.json: iterations %d, version %d", v.Iterations, e.Version)
	}
	return v
}

// TestFingerprintVector checks every field of libsignal's fingerprint_test_v1,
// _v2 and fingerprint_encodings vectors.
func TestFingerprintVector(t *testing.T) {
	v := loadFingerprintVector(t)
	aliceID, bobID := []byte(v.AliceStableID), []byte(v.BobStableID)
	aliceHash := fingerprintHash(v.AliceIdentity, aliceID, v.Iterations)
	bobHash := fingerprintHash(v.BobIdentity, bobID, v.Iterations)
	checkBytes(t, "alice hash", aliceHash[:], v.AliceHash)
	checkBytes(t, "bob hash", bobHash[:], v.BobHash)
	aliceHalf, bobHalf := displayHalf(aliceHash), displayHalf(bobHash)
	checkString(t, "alice half", string(aliceHalf[:]), v.AliceHalf)
	checkString(t, "bob half", string(bobHalf[:]), v.BobHalf)

	aliceView := Fingerprint(v.AliceIdentity, aliceID, v.BobIdentity, bobID, v.Iterations)
	bobView := Fingerprint(v.BobIdentity, bobID, v.AliceIdentity, aliceID, v.Iterations)
	checkString(t, "alice display", aliceView.String(), v.Display)
	checkString(t, "bob display", bobView.String(), v.Display)

	a, b := aliceHash[:scannableLength], bobHash[:scannableLength]
	s := v.ScannableBytes
	checkBytes(t, "alice scannable v1", scannableEncoding(1, a, b), s.AliceV1)
	checkBytes(t, "bob scannable v1", scannableEncoding(1, b, a), s.BobV1)
	checkBytes(t, "alice scannable v2", scannableEncoding(2, a, b), s.AliceV2)
	checkBytes(t, "bob scannable v2", scannableEncoding(2, b, a), s.BobV2)
	e := v.EncodingOnly
	checkBytes(t, "encoding only", scannableEncoding(e.Version, e.LocalContent, e.RemoteContent), e.Expected)
}

// TestNewSafetyNumberGolden pins ratchat's own safety number (ids = keys) for
// the vector's two identity keys. It is our output, not outside truth: it is
// here so that a change, which would break verification between versions,
// cannot go unnoticed.
func TestNewSafetyNumberGolden(t *testing.T) {
	v := loadFingerprintVector(t)
	alice, err := ParsePublicKey(v.AliceIdentity)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := ParsePublicKey(v.BobIdentity)
	if err != nil {
		t.Fatal(err)
	}
	const want = "88846 11632 53097 49229 79287 58639 93008 12628 60444 53918 77095 74408"
	checkString(t, "alice's view", NewSafetyNumber(alice, bob).Display(), want)
	checkString(t, "bob's view", NewSafetyNumber(bob, alice).Display(), want)
	general := Fingerprint(alice.Bytes(), alice.Bytes(), bob.Bytes(), bob.Bytes(), FingerprintIterations)
	checkString(t, "general function", general.Display(), want)
}

// TestSafetyNumberSymmetric checks that both sides see the same digits, that
// the scannable forms are each other's mirror, and that other keys differ.
func TestSafetyNumberSymmetric(t *testing.T) {
	for i := 0; i < 10; i++ {
		a, b, c := mustGenerate(t), mustGenerate(t), mustGenerate(t)
		ab, ba := NewSafetyNumber(a.Public, b.Public), NewSafetyNumber(b.Public, a.Public)
		if ab != ba || ab.Display() != ba.Display() {
			t.Fatalf("A sees %s, B sees %s", ab.Display(), ba.Display())
		}
		if ac := NewSafetyNumber(a.Public, c.Public); ac == ab {
			t.Fatalf("two different contacts gave %s", ac)
		}
		ah := fingerprintHash(a.Public.Bytes(), a.Public.Bytes(), FingerprintIterations)
		bh := fingerprintHash(b.Public.Bytes(), b.Public.Bytes(), FingerprintIterations)
		checkBytes(t, "A's scannable", Scannable(a.Public, b.Public), scannableEncoding(2, ah[:32], bh[:32]))
		checkBytes(t, "B's scannable", Scannable(b.Public, a.Public), scannableEncoding(2, bh[:32], ah[:32]))
	}
}

func TestSafetyNumberFormats(t *testing.T) {
	sn := NewSafetyNumber(mustGenerate(t).Public, mustGenerate(t).Public)
	s := sn.String()
	if len(s) != SafetyNumberDigits || strings.Trim(s, "0123456789") != "" {
		t.Fatalf("String() = %q, want 60 digits", s)
	}
	groups := sn.Groups()
	if len(groups) != 12 || strings.Join(groups, "") != s {
		t.Fatalf("Groups() = %q", groups)
	}
	for _, g := range groups {
		if len(g) != 5 {
			t.Fatalf("group %q is not 5 digits", g)
		}
	}
	checkString(t, "Display", sn.Display(), strings.Join(groups, " "))

	var zero SafetyNumber
	if zero.String() != "" || zero.Groups() != nil || zero.Display() != "" {
		t.Fatalf("zero value prints %q, %q, %q", zero.String(), zero.Groups(), zero.Display())
	}
}

func TestFingerprintRejectsZeroIterations(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("0 iterations did not panic")
		}
	}()
	Fingerprint([]byte{1}, nil, []byte{2}, nil, 0)
}

func mustGenerate(t testing.TB) KeyPair {
	t.Helper()
	kp, err := GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func checkBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %x, want %x", what, got, want)
	}
}

func checkString(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}
