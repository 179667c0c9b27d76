package keys

import (
	"encoding/binary"
	"fmt"
)

// Prekey records are how a profile keeps its own prekeys, private halves
// included, in its encrypted store. Each is a fixed layout:
//
//	signed   = version(1) id(4) private(32) public(32) signature(64)
//	one-time = version(1) id(4) private(32) public(32)
//	KEM v2   = version(1) id(4) last-resort(1) kem-type(1) seed(64) signature(64)
//	KEM v1   = version(1) id(4) last-resort(1) seed(64) signature(64)
//
// The signed and one-time records are version 1. A KEM record is written
// as version 2, whose kem-type is the [KEMType] byte (0x08 Kyber-1024,
// 0x0A ML-KEM-1024); version 1, written before ratchat spoke Kyber, is
// still read, as ML-KEM-1024. Both KEMs keep the same 64-byte seed, the
// whole of what each needs to rebuild its private key.
//
// Parsing re-derives each public key from its private half (which also
// fills the key pair's cache for the agreement to come) and refuses a
// record whose stored public key differs: a damaged record fails loudly
// rather than producing a session nobody can read.
const (
	recordVersion      = 1
	kemRecordVersionV1 = 1 // ML-KEM-1024 only, no kem-type byte
	kemRecordVersion   = 2
)

// Record sizes.
const (
	signedRecordSize  = 1 + 4 + KeySize + KeySize + SignatureSize
	oneTimeRecordSize = 1 + 4 + KeySize + KeySize
	kemRecordSizeV1   = 1 + 4 + 1 + KEMSeedSize + SignatureSize
	kemRecordSize     = kemRecordSizeV1 + 1
)

// MarshalBinary encodes the prekey, private key included.
func (k *SignedPreKey) MarshalBinary() ([]byte, error) {
	b := recordHeader(signedRecordSize, k.ID)
	b = append(b, k.Pair.Private[:]...)
	b = append(b, k.Pair.Public[:]...)
	return append(b, k.Signature[:]...), nil
}

// ParseSignedPreKey decodes what [SignedPreKey.MarshalBinary] wrote.
func ParseSignedPreKey(b []byte) (SignedPreKey, error) {
	var k SignedPreKey
	id, rest, err := parseRecordHeader(b, signedRecordSize)
	if err != nil {
		return k, err
	}
	pair, err := parsePair(rest)
	if err != nil {
		return k, err
	}
	k.ID, k.Pair = id, pair
	copy(k.Signature[:], rest[2*KeySize:])
	return k, nil
}

// MarshalBinary encodes the prekey, private key included.
func (k *OneTimePreKey) MarshalBinary() ([]byte, error) {
	b := recordHeader(oneTimeRecordSize, k.ID)
	b = append(b, k.Pair.Private[:]...)
	return append(b, k.Pair.Public[:]...), nil
}

// ParseOneTimePreKey decodes what [OneTimePreKey.MarshalBinary] wrote.
func ParseOneTimePreKey(b []byte) (OneTimePreKey, error) {
	id, rest, err := parseRecordHeader(b, oneTimeRecordSize)
	if err != nil {
		return OneTimePreKey{}, err
	}
	pair, err := parsePair(rest)
	if err != nil {
		return OneTimePreKey{}, err
	}
	return OneTimePreKey{ID: id, Pair: pair}, nil
}

// MarshalBinary encodes the prekey, seed included, as a version-2 record.
func (k *KEMPreKey) MarshalBinary() ([]byte, error) {
	if err := k.Pair.Public.Type.check("KEM prekey"); err != nil {
		return nil, err
	}
	b := make([]byte, 0, kemRecordSize)
	b = append(b, kemRecordVersion)
	b = binary.BigEndian.AppendUint32(b, k.ID)
	var lastResort byte
	if k.LastResort {
		lastResort = 1
	}
	b = append(b, lastResort, byte(k.Pair.Public.Type))
	b = append(b, k.Pair.Seed[:]...)
	return append(b, k.Signature[:]...), nil
}

// ParseKEMPreKey decodes what [KEMPreKey.MarshalBinary] wrote (version 2)
// or wrote before ratchat spoke Kyber (version 1, ML-KEM-1024), deriving
// the public key from the seed.
func ParseKEMPreKey(b []byte) (KEMPreKey, error) {
	var k KEMPreKey
	if len(b) == 0 {
		return k, fmt.Errorf("%w: empty KEM prekey record", ErrPreKeyRecord)
	}
	// flags is what precedes the seed after the id: last-resort, and in
	// version 2 the KEM type.
	t, size, flags := TypeMLKEM1024, kemRecordSizeV1, 1
	switch b[0] {
	case kemRecordVersionV1:
	case kemRecordVersion:
		size, flags = kemRecordSize, 2
		if len(b) == size {
			t = KEMType(b[5+1])
		}
	default:
		return k, fmt.Errorf("%w: KEM prekey record version %d", ErrPreKeyRecord, b[0])
	}
	if len(b) != size {
		return k, fmt.Errorf("%w: %d bytes, want %d", ErrPreKeyRecord, len(b), size)
	}
	id, rest := binary.BigEndian.Uint32(b[1:5]), b[5:]
	if rest[0] > 1 {
		return k, fmt.Errorf("%w: KEM prekey record flag %d", ErrPreKeyRecord, rest[0])
	}
	lastResort := rest[0] == 1
	rest = rest[flags:]
	var seed KEMSeed
	copy(seed[:], rest)
	pair, err := NewKEMKeyPair(t, seed)
	if err != nil {
		return k, fmt.Errorf("%w: %w", ErrPreKeyRecord, err)
	}
	k.ID, k.Pair, k.LastResort = id, pair, lastResort
	copy(k.Signature[:], rest[KEMSeedSize:])
	return k, nil
}

func recordHeader(size int, id uint32) []byte {
	b := make([]byte, 0, size)
	b = append(b, recordVersion)
	return binary.BigEndian.AppendUint32(b, id)
}

// parseRecordHeader checks the length and version and returns the id and
// what follows it.
func parseRecordHeader(b []byte, size int) (uint32, []byte, error) {
	if len(b) != size {
		return 0, nil, fmt.Errorf("%w: %d bytes, want %d", ErrPreKeyRecord, len(b), size)
	}
	if b[0] != recordVersion {
		return 0, nil, fmt.Errorf("%w: version %d", ErrPreKeyRecord, b[0])
	}
	return binary.BigEndian.Uint32(b[1:5]), b[5:], nil
}

// parsePair reads private(32) public(32) and checks they belong together.
func parsePair(b []byte) (KeyPair, error) {
	var priv PrivateKey
	copy(priv[:], b[:KeySize])
	if priv != priv.clamped() { // we only ever store clamped keys
		return KeyPair{}, fmt.Errorf("%w: private key not clamped", ErrPreKeyRecord)
	}
	pair, err := NewKeyPair(priv)
	if err != nil {
		return KeyPair{}, fmt.Errorf("%w: %w", ErrPreKeyRecord, err)
	}
	if !pair.Public.Equal(PublicKey(b[KeySize : 2*KeySize])) {
		return KeyPair{}, fmt.Errorf("%w: public key does not match private key", ErrPreKeyRecord)
	}
	return pair, nil
}
