package store

import (
	"encoding/binary"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the Argon2id parameters that turn a passphrase into the
// key-encryption key. They are stored with the profile (and in passphrase
// backups), so a later version may raise the default without locking
// anyone out.
type KDFParams struct {
	// Time is the number of passes over the memory.
	Time uint32
	// MemoryKiB is the memory cost in KiB.
	MemoryKiB uint32
	// Threads is the degree of parallelism.
	Threads uint8
}

// DefaultKDF is the cost of a new profile: about 0.37 s and 128 MiB on a
// 2-core AMD EPYC (measured cold, in a fresh process, as an unlock is).
//
// Why these values: Argon2id is memory-hard, so the memory cost is what
// makes a GPU or ASIC guessing attack expensive; 128 MiB with 3 passes is
// above RFC 9106's second recommended option (64 MiB, t=3) while keeping an
// unlock under half a second on the slow machines ratchat targets.
var DefaultKDF = KDFParams{Time: 3, MemoryKiB: 128 << 10, Threads: 2}

// Bounds on parameters read from disk or a backup header. A tampered file
// could otherwise ask for terabytes of memory or years of work.
//
// Why 1 GiB of memory at most: eight times the default leaves room to
// raise it, while someone who can write the profile (or hand over a
// backup) cannot make an unlock allocate more than a laptop can spare;
// a 4 GiB bound let one such file push the machine into swap or the
// out-of-memory killer.
const (
	maxKDFTime      = 64
	minKDFMemoryKiB = 8
	maxKDFMemoryKiB = 1 << 20 // 1 GiB
	maxKDFThreads   = 64
	// kdfParamsSize is the length of the encoded parameters.
	kdfParamsSize = 4 + 4 + 1
	// kekSize is the length of the key-encryption key.
	kekSize = 32
)

// valid reports whether p is inside the accepted bounds.
func (p KDFParams) valid() bool {
	return p.Time >= 1 && p.Time <= maxKDFTime &&
		p.MemoryKiB >= minKDFMemoryKiB && p.MemoryKiB <= maxKDFMemoryKiB &&
		p.MemoryKiB >= 8*uint32(p.Threads) &&
		p.Threads >= 1 && p.Threads <= maxKDFThreads
}

// appendBinary appends the parameters as time (u32 BE), memory (u32 BE),
// threads (u8): the form bound into the key wrap and the backup header.
func (p KDFParams) appendBinary(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, p.Time)
	b = binary.BigEndian.AppendUint32(b, p.MemoryKiB)
	return append(b, p.Threads)
}

// parseKDFParams reads what appendBinary wrote.
func parseKDFParams(b []byte) (KDFParams, bool) {
	if len(b) != kdfParamsSize {
		return KDFParams{}, false
	}
	p := KDFParams{
		Time:      binary.BigEndian.Uint32(b[0:4]),
		MemoryKiB: binary.BigEndian.Uint32(b[4:8]),
		Threads:   b[8],
	}
	return p, p.valid()
}

// deriveKEK runs Argon2id over the passphrase and salt.
func deriveKEK(passphrase, salt []byte, p KDFParams) []byte {
	return argon2.IDKey(passphrase, salt, p.Time, p.MemoryKiB, p.Threads, kekSize)
}
