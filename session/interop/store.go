package interop

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/serialize"
	"go.mau.fi/libsignal/state/record"
	"go.mau.fi/libsignal/state/store"
)

// Compile-time checks: memoryStore is everything session.NewBuilder needs.
// (store.SignalProtocol would also demand a group sender-key store, which a
// one-to-one session never touches, so the builder is made with NewBuilder.)
var (
	_ store.Session      = (*memoryStore)(nil)
	_ store.PreKey       = (*memoryStore)(nil)
	_ store.SignedPreKey = (*memoryStore)(nil)
	_ store.IdentityKey  = (*memoryStore)(nil)
)

// memoryStore keeps one libsignal peer's state in memory.
//
// Quirk: libsignal's cipher loads a session record, mutates it while
// decrypting (a new receiving chain and root key are derived before the MAC is
// checked) and stores it back only on success. That is safe only if every
// LoadSession hands out a fresh copy. With copyRecords set, records are kept
// serialized (the library's own JSON serializer), as a database would keep
// them, so a failed decryption leaves the stored session untouched. Without
// it, records are kept as live pointers: faster (the benchmark baseline), but
// a forged or very old message can corrupt the session, and record.Session's
// "fresh" flag never clears, so a second session with the same address would
// overwrite rather than archive the first.
type memoryStore struct {
	identity       *identity.KeyPair
	registrationID uint32
	serializer     *serialize.Serializer
	copyRecords    bool

	sessions      map[string]*record.Session // when !copyRecords
	sessionBytes  map[string][]byte          // when copyRecords
	preKeys       map[uint32]*record.PreKey
	signedPreKeys map[uint32]*record.SignedPreKey
	trusted       map[string][]byte // address -> serialized identity key (trust on first use)
}

func newMemoryStore(id *identity.KeyPair, registrationID uint32, s *serialize.Serializer, copyRecords bool) *memoryStore {
	return &memoryStore{
		identity:       id,
		registrationID: registrationID,
		serializer:     s,
		copyRecords:    copyRecords,
		sessions:       make(map[string]*record.Session),
		sessionBytes:   make(map[string][]byte),
		preKeys:        make(map[uint32]*record.PreKey),
		signedPreKeys:  make(map[uint32]*record.SignedPreKey),
		trusted:        make(map[string][]byte),
	}
}

// --- store.IdentityKey ---

func (m *memoryStore) GetIdentityKeyPair() *identity.KeyPair { return m.identity }

func (m *memoryStore) GetLocalRegistrationID() uint32 { return m.registrationID }

func (m *memoryStore) SaveIdentity(_ context.Context, addr *protocol.SignalAddress, key *identity.Key) error {
	m.trusted[addr.String()] = key.Serialize()
	return nil
}

// IsTrustedIdentity trusts on first use, then only the key first seen.
func (m *memoryStore) IsTrustedIdentity(_ context.Context, addr *protocol.SignalAddress, key *identity.Key) (bool, error) {
	known, ok := m.trusted[addr.String()]
	return !ok || bytes.Equal(known, key.Serialize()), nil
}

// --- store.Session ---

// LoadSession returns the stored record, or a new empty one: the library
// treats a nil record as an error, not as "no session yet".
func (m *memoryStore) LoadSession(_ context.Context, addr *protocol.SignalAddress) (*record.Session, error) {
	if !m.copyRecords {
		if r, ok := m.sessions[addr.String()]; ok {
			return r, nil
		}
		return record.NewSession(m.serializer.Session, m.serializer.State), nil
	}
	b, ok := m.sessionBytes[addr.String()]
	if !ok {
		return record.NewSession(m.serializer.Session, m.serializer.State), nil
	}
	return record.NewSessionFromBytes(b, m.serializer.Session, m.serializer.State)
}

func (m *memoryStore) GetSubDeviceSessions(_ context.Context, name string) ([]uint32, error) {
	var ids []uint32
	for _, a := range m.addresses() {
		n, dev, ok := strings.Cut(a, protocol.ADDRESS_SEPARATOR)
		if !ok || n != name {
			continue
		}
		var id uint32
		if _, err := fmt.Sscan(dev, &id); err == nil && id != 1 {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (m *memoryStore) addresses() []string {
	if m.copyRecords {
		return slices.Sorted(maps.Keys(m.sessionBytes))
	}
	return slices.Sorted(maps.Keys(m.sessions))
}

func (m *memoryStore) StoreSession(_ context.Context, addr *protocol.SignalAddress, r *record.Session) error {
	if m.copyRecords {
		m.sessionBytes[addr.String()] = r.Serialize()
	} else {
		m.sessions[addr.String()] = r
	}
	return nil
}

func (m *memoryStore) ContainsSession(_ context.Context, addr *protocol.SignalAddress) (bool, error) {
	if m.copyRecords {
		_, ok := m.sessionBytes[addr.String()]
		return ok, nil
	}
	_, ok := m.sessions[addr.String()]
	return ok, nil
}

func (m *memoryStore) DeleteSession(_ context.Context, addr *protocol.SignalAddress) error {
	delete(m.sessions, addr.String())
	delete(m.sessionBytes, addr.String())
	return nil
}

func (m *memoryStore) DeleteAllSessions(context.Context) error {
	clear(m.sessions)
	clear(m.sessionBytes)
	return nil
}

// --- store.PreKey ---

// LoadPreKey returns nil, nil for an unknown id: the builder turns that into
// signalerror.ErrNoOneTimeKeyFound.
func (m *memoryStore) LoadPreKey(_ context.Context, id uint32) (*record.PreKey, error) {
	return m.preKeys[id], nil
}

func (m *memoryStore) StorePreKey(_ context.Context, id uint32, r *record.PreKey) error {
	m.preKeys[id] = r
	return nil
}

func (m *memoryStore) ContainsPreKey(_ context.Context, id uint32) (bool, error) {
	_, ok := m.preKeys[id]
	return ok, nil
}

func (m *memoryStore) RemovePreKey(_ context.Context, id uint32) error {
	delete(m.preKeys, id)
	return nil
}

// --- store.SignedPreKey ---

func (m *memoryStore) LoadSignedPreKey(_ context.Context, id uint32) (*record.SignedPreKey, error) {
	return m.signedPreKeys[id], nil
}

func (m *memoryStore) LoadSignedPreKeys(context.Context) ([]*record.SignedPreKey, error) {
	ids := slices.Sorted(maps.Keys(m.signedPreKeys))
	out := make([]*record.SignedPreKey, 0, len(ids))
	for _, id := range ids {
		out = append(out, m.signedPreKeys[id])
	}
	return out, nil
}

func (m *memoryStore) StoreSignedPreKey(_ context.Context, id uint32, r *record.SignedPreKey) error {
	m.signedPreKeys[id] = r
	return nil
}

func (m *memoryStore) ContainsSignedPreKey(_ context.Context, id uint32) (bool, error) {
	_, ok := m.signedPreKeys[id]
	return ok, nil
}

func (m *memoryStore) RemoveSignedPreKey(_ context.Context, id uint32) error {
	delete(m.signedPreKeys, id)
	return nil
}
