package keys

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/internal/wire"
)

// bundleVersion is the leading byte of the encoding MarshalBinary writes.
const bundleVersion = 1

// MaxBundleSize bounds the length of a bundle encoding. ParseBundle checks it
// before reading anything, and a transport can use it to bound its read. The
// largest valid version-1 bundle is 1,834 bytes.
const MaxBundleSize = 2048

// Field numbers of the version-1 encoding:
//
//	1 KEM prekey id            varint (uint32)   \
//	2 KEM prekey               bytes, 1569        } all or none
//	3 KEM prekey signature     bytes, 64         /
//	4 one-time prekey id       varint (uint32)   \ both or none
//	5 one-time prekey          bytes, 33         /
//	6 registration id          varint (uint32)   \
//	7 identity key             bytes, 33          |
//	8 signed prekey id         varint (uint32)    } required
//	9 signed prekey            bytes, 33          |
//	10 signed prekey signature bytes, 64         /
//
// Keys are in libsignal's serialization (0x05 || u, 0x0A || key). Fields
// must appear in ascending order, and the optional parts are numbered before
// the required ones: the last field is then always a required one, so a
// bundle cut short at a field boundary cannot pass for a bundle without its
// one-time or KEM prekey (a silent downgrade from PQXDH to X3DH).
const (
	fieldKEMPreKeyID protowire.Number = iota + 1
	fieldKEMPreKey
	fieldKEMPreKeySignature
	fieldOneTimePreKeyID
	fieldOneTimePreKey
	fieldRegistrationID
	fieldIdentity
	fieldSignedPreKeyID
	fieldSignedPreKey
	fieldSignedPreKeySignature
	lastField = fieldSignedPreKeySignature
)

// bundleFields names each field, for errors.
var bundleFields = [lastField + 1]string{
	fieldKEMPreKeyID:           "KEM prekey id",
	fieldKEMPreKey:             "KEM prekey",
	fieldKEMPreKeySignature:    "KEM prekey signature",
	fieldOneTimePreKeyID:       "one-time prekey id",
	fieldOneTimePreKey:         "one-time prekey",
	fieldRegistrationID:        "registration id",
	fieldIdentity:              "identity key",
	fieldSignedPreKeyID:        "signed prekey id",
	fieldSignedPreKey:          "signed prekey",
	fieldSignedPreKeySignature: "signed prekey signature",
}

// bundlePolicy reads the version-1 encoding: every field known and of its
// exact length, nothing unknown, nothing repeated, in canonical form.
var bundlePolicy = wire.Policy{
	Fields: []wire.Spec{
		fieldKEMPreKeyID:           wire.Uint32(),
		fieldKEMPreKey:             wire.Fixed(1 + KEMPublicKeySize),
		fieldKEMPreKeySignature:    wire.Fixed(SignatureSize),
		fieldOneTimePreKeyID:       wire.Uint32(),
		fieldOneTimePreKey:         wire.Fixed(SerializedKeySize),
		fieldRegistrationID:        wire.Uint32(),
		fieldIdentity:              wire.Fixed(SerializedKeySize),
		fieldSignedPreKeyID:        wire.Uint32(),
		fieldSignedPreKey:          wire.Fixed(SerializedKeySize),
		fieldSignedPreKeySignature: wire.Fixed(SignatureSize),
	},
	RefuseUnknown: true,
	Canonical:     true,
}

// Groups of optional fields, present together or not at all. Fields from
// fieldRegistrationID on are required.
const (
	oneTimeFields = 1<<fieldOneTimePreKeyID | 1<<fieldOneTimePreKey
	kemFields     = 1<<fieldKEMPreKeyID | 1<<fieldKEMPreKey | 1<<fieldKEMPreKeySignature
)

// MarshalBinary encodes the bundle: the version byte 1, then its fields as
// protobuf wire format, in ascending field order with absent parts left out.
// The encoding is canonical: ParseBundle accepts exactly the outputs of
// MarshalBinary. A bundle ParseBundle would refuse fails with
// [ErrMalformedBundle].
func (b *Bundle) MarshalBinary() ([]byte, error) {
	if err := b.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedBundle, err)
	}
	out := make([]byte, 1, MaxBundleSize)
	out[0] = bundleVersion
	if b.KEMPreKey != nil {
		out = wire.AppendVarintField(out, fieldKEMPreKeyID, uint64(b.KEMPreKeyID))
		out = wire.AppendBytesField(out, fieldKEMPreKey, b.KEMPreKey.Bytes())
		out = wire.AppendBytesField(out, fieldKEMPreKeySignature, b.KEMPreKeySignature[:])
	}
	if b.OneTimePreKey != nil {
		out = wire.AppendVarintField(out, fieldOneTimePreKeyID, uint64(b.OneTimePreKeyID))
		out = wire.AppendBytesField(out, fieldOneTimePreKey, b.OneTimePreKey.Bytes())
	}
	out = wire.AppendVarintField(out, fieldRegistrationID, uint64(b.RegistrationID))
	out = wire.AppendBytesField(out, fieldIdentity, b.Identity.Bytes())
	out = wire.AppendVarintField(out, fieldSignedPreKeyID, uint64(b.SignedPreKeyID))
	out = wire.AppendBytesField(out, fieldSignedPreKey, b.SignedPreKey.Bytes())
	out = wire.AppendBytesField(out, fieldSignedPreKeySignature, b.SignedPreKeySignature[:])
	return out, nil
}

// ParseBundle decodes a bundle written by [Bundle.MarshalBinary]. It is
// strict, since the format is ours and a lenient parser only widens what an
// attacker can send: the length is checked against [MaxBundleSize] first,
// then the version byte; unknown, repeated or out-of-order fields, wrong wire
// types, non-minimal varints, values of the wrong length, missing or partial
// parts and trailing bytes are refused, and every key goes through
// [ParsePublicKey] or [ParseKEMPublicKey]. Errors wrap [ErrMalformedBundle].
// ParseBundle does not check signatures: call [Bundle.Verify].
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("%w: %d bytes, max %d", ErrMalformedBundle, len(data), MaxBundleSize)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrMalformedBundle)
	}
	if data[0] != bundleVersion {
		return nil, fmt.Errorf("%w: %w %d", ErrMalformedBundle, ErrBundleVersion, data[0])
	}
	var raw rawBundle
	if err := raw.decode(data[1:]); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedBundle, err)
	}
	b, err := raw.bundle()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedBundle, err)
	}
	return b, nil
}

// rawBundle holds the field values of an encoding, before the keys are parsed.
type rawBundle struct {
	present uint32 // bit n set when field n was read
	ints    [lastField + 1]uint32
	bytes   [lastField + 1][]byte
}

// decode reads every field of data into r, under bundlePolicy.
func (r *rawBundle) decode(data []byte) error {
	fr := wire.NewReader(data, &bundlePolicy)
	for {
		f, ok, err := fr.Next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		r.present |= 1 << f.Num
		r.ints[f.Num], r.bytes[f.Num] = uint32(f.Value), f.Bytes
	}
}

// bundle checks which parts are present and parses the keys.
func (r *rawBundle) bundle() (*Bundle, error) {
	for num := fieldRegistrationID; num <= lastField; num++ {
		if r.present&(1<<num) == 0 {
			return nil, fmt.Errorf("missing field %d (%s)", num, bundleFields[num])
		}
	}
	if g := r.present & oneTimeFields; g != 0 && g != oneTimeFields {
		return nil, errors.New("partial one-time prekey")
	}
	if g := r.present & kemFields; g != 0 && g != kemFields {
		return nil, errors.New("partial KEM prekey")
	}
	b := &Bundle{
		RegistrationID: r.ints[fieldRegistrationID],
		SignedPreKeyID: r.ints[fieldSignedPreKeyID],
	}
	var err error
	if b.Identity, err = r.publicKey(fieldIdentity); err != nil {
		return nil, err
	}
	if b.SignedPreKey, err = r.publicKey(fieldSignedPreKey); err != nil {
		return nil, err
	}
	copy(b.SignedPreKeySignature[:], r.bytes[fieldSignedPreKeySignature])
	if r.present&oneTimeFields != 0 {
		otk, err := r.publicKey(fieldOneTimePreKey)
		if err != nil {
			return nil, err
		}
		b.OneTimePreKeyID, b.OneTimePreKey = r.ints[fieldOneTimePreKeyID], &otk
	}
	if r.present&kemFields != 0 {
		kem, err := ParseKEMPublicKey(r.bytes[fieldKEMPreKey])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", bundleFields[fieldKEMPreKey], err)
		}
		b.KEMPreKeyID, b.KEMPreKey = r.ints[fieldKEMPreKeyID], &kem
		copy(b.KEMPreKeySignature[:], r.bytes[fieldKEMPreKeySignature])
	}
	return b, nil
}

// publicKey parses the X25519 key in field num.
func (r *rawBundle) publicKey(num protowire.Number) (PublicKey, error) {
	k, err := ParsePublicKey(r.bytes[num])
	if err != nil {
		return k, fmt.Errorf("%s: %w", bundleFields[num], err)
	}
	return k, nil
}
