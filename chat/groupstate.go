package chat

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"ratchat/internal/wire"
	"ratchat/keys"
	"ratchat/store"
)

// A group's state travels as one signed, versioned record (docs/PROTOCOL.md
// "Groups"):
//
//	format (1) = 1 ‖ group id (32) ‖ version (uvarint, ≥ 1) ‖
//	name (uvarint length ‖ UTF-8, ≤ 255) ‖ deposit token (16) ‖
//	member count (uvarint, ≤ 1,024) ‖
//	count × (identity key (32) ‖ home (uvarint length ‖ UTF-8, 1–255) ‖ flags (1: bit 0 admin)) ‖
//	author's identity key (32) ‖ XEdDSA signature (64)
//
// The signature is the author's over groupStateLabel ‖ every byte before
// it. Only the one canonical encoding is accepted: a parser re-encodes
// what it read and compares, so that two readers never see two states in
// the same bytes.

// Bounds of a group state.
const (
	// MaxGroupName bounds a group's name, in bytes of UTF-8.
	MaxGroupName = 255
	// MaxGroupMembers bounds a group's members, ourselves included.
	MaxGroupMembers = 1024
	// maxGroupHome bounds a member's home address.
	maxGroupHome = 255

	groupStateFormat = 1
	flagAdmin        = 1
)

// groupStateLabel separates the signature over a group state from every
// other XEdDSA signature an identity key makes (prekeys, challenges): a
// signature made for one can never be taken for the other.
const groupStateLabel = "ratchat group state v1\x00"

// GroupState is one version of a group: who is in it, who may change it,
// its name, and who signed this version.
type GroupState struct {
	ID      store.GroupID
	Version uint64
	Name    string
	// Token is the deposit token every member registers at its home for
	// the group's traffic, so that members who are not one another's
	// contacts can reach each other's homes (docs/TRANSPORT.md). The
	// creator draws it; it stays for the group's life, and a member that
	// leaves or is removed revokes it at its home.
	Token   [TokenSize]byte
	Members []StateMember
	Author  keys.PublicKey
	// Signature is the author's XEdDSA signature over the rest.
	Signature [keys.SignatureSize]byte
}

// StateMember is one member of a [GroupState].
type StateMember struct {
	Identity keys.PublicKey
	Home     string
	Admin    bool
}

// member returns the index of the member with key k, or -1.
func (g *GroupState) member(k keys.PublicKey) int {
	for i := range g.Members {
		if g.Members[i].Identity == k {
			return i
		}
	}
	return -1
}

// isAdmin reports whether k is an admin of g.
func (g *GroupState) isAdmin(k keys.PublicKey) bool {
	i := g.member(k)
	return i >= 0 && g.Members[i].Admin
}

// clone returns a copy of g that shares nothing with it.
func (g *GroupState) clone() *GroupState {
	c := *g
	c.Members = append([]StateMember(nil), g.Members...)
	return &c
}

// signed returns the encoding of everything the signature covers.
func (g *GroupState) signed() []byte {
	var e wire.Encoder
	e.U8(groupStateFormat)
	e.Bytes(g.ID[:])
	e.Uvarint(g.Version)
	e.Uvarint(uint64(len(g.Name)))
	e.Bytes([]byte(g.Name))
	e.Bytes(g.Token[:])
	e.Uvarint(uint64(len(g.Members)))
	for _, m := range g.Members {
		e.Bytes(m.Identity[:])
		e.Uvarint(uint64(len(m.Home)))
		e.Bytes([]byte(m.Home))
		var flags uint8
		if m.Admin {
			flags |= flagAdmin
		}
		e.U8(flags)
	}
	e.Bytes(g.Author[:])
	return []byte(e)
}

// sign makes author the state's author and signs it.
func (g *GroupState) sign(rand io.Reader, author *keys.KeyPair) error {
	g.Author = author.Public
	if err := g.check(); err != nil {
		return err
	}
	sig, err := keys.Sign(rand, author.Private, append([]byte(groupStateLabel), g.signed()...))
	if err != nil {
		return err
	}
	g.Signature = sig
	return nil
}

// Marshal encodes a signed state.
func (g *GroupState) Marshal() []byte {
	return append(g.signed(), g.Signature[:]...)
}

// check enforces the bounds and rules of one state on its own.
func (g *GroupState) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadGroupState, fmt.Sprintf(format, args...))
	}
	switch {
	case g.ID == store.GroupID{}:
		return bad("zero group id")
	case g.Version == 0:
		return bad("version 0")
	case len(g.Name) > MaxGroupName || !utf8.ValidString(g.Name):
		return bad("name of %d bytes or not UTF-8", len(g.Name))
	case len(g.Members) > MaxGroupMembers:
		return bad("%d members", len(g.Members))
	case g.Token == [TokenSize]byte{}:
		return bad("zero deposit token")
	}
	seen := make(map[keys.PublicKey]bool, len(g.Members))
	admins := 0
	for _, m := range g.Members {
		if seen[m.Identity] {
			return bad("a member twice")
		}
		seen[m.Identity] = true
		if len(m.Home) == 0 || len(m.Home) > maxGroupHome || !utf8.ValidString(m.Home) {
			return bad("home of %d bytes or not UTF-8", len(m.Home))
		}
		if m.Admin {
			admins++
		}
	}
	if admins == 0 && len(g.Members) > 0 {
		return bad("no admin")
	}
	if g.Version == 1 && !g.isAdmin(g.Author) {
		return bad("version 1 not signed by an admin member")
	}
	return nil
}

// ParseGroupState reads and verifies one signed group state: the bounds,
// the one canonical encoding, and the author's signature. Whether the
// author may sign this version is [checkNext]'s question.
func ParseGroupState(b []byte) (*GroupState, error) {
	if len(b) > MaxGroupStateSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadGroupState, len(b))
	}
	g, err := decodeGroupState(b)
	if err != nil {
		return nil, err
	}
	if err := g.check(); err != nil {
		return nil, err
	}
	body := b[:len(b)-keys.SignatureSize]
	if !bytes.Equal(g.signed(), body) {
		return nil, fmt.Errorf("%w: not the canonical encoding", ErrBadGroupState)
	}
	if err := keys.Verify(g.Author, append([]byte(groupStateLabel), body...), g.Signature[:]); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadGroupState, err)
	}
	return g, nil
}

// decodeGroupState reads the fields, bounding every length before it
// reads the bytes.
func decodeGroupState(b []byte) (*GroupState, error) {
	d := wire.NewDecoder(b)
	if d.U8() != groupStateFormat && d.Err() == nil {
		return nil, fmt.Errorf("%w: unknown format", ErrBadGroupState)
	}
	g := &GroupState{}
	copy(g.ID[:], d.Bytes(len(g.ID)))
	g.Version = d.Uvarint()
	g.Name = string(boundedBytes(d, MaxGroupName))
	copy(g.Token[:], d.Bytes(TokenSize))
	n := d.Uvarint()
	if n > MaxGroupMembers {
		d.Fail(fmt.Errorf("%w: %d members", wire.ErrRange, n))
	}
	for range min(n, MaxGroupMembers) {
		var m StateMember
		m.Identity = publicKey(d)
		m.Home = string(boundedBytes(d, maxGroupHome))
		flags := d.U8()
		if flags&^flagAdmin != 0 {
			d.Fail(fmt.Errorf("%w: member flags %#x", wire.ErrRange, flags))
		}
		m.Admin = flags&flagAdmin != 0
		if d.Err() != nil {
			break
		}
		g.Members = append(g.Members, m)
	}
	g.Author = publicKey(d)
	copy(g.Signature[:], d.Bytes(keys.SignatureSize))
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadGroupState, err)
	}
	return g, nil
}

// boundedBytes reads a uvarint-prefixed byte string of at most max bytes.
func boundedBytes(d *wire.Decoder, max int) []byte {
	n := d.Uvarint()
	if n > uint64(max) {
		d.Fail(fmt.Errorf("%w: %d bytes, at most %d", wire.ErrLength, n, max))
		return nil
	}
	return d.Bytes(int(n))
}

// publicKey reads a raw identity key, refusing a key no one could hold.
func publicKey(d *wire.Decoder) keys.PublicKey {
	raw := d.Bytes(keys.KeySize)
	if d.Err() != nil {
		return keys.PublicKey{}
	}
	k, err := keys.NewPublicKey(raw)
	if err != nil {
		d.Fail(err)
	}
	return k
}

// checkNext reports whether next may follow prev: same group, the next
// version, signed by an admin of prev, or by a member of prev whose
// version only removes itself (leaving).
func checkNext(prev, next *GroupState) error {
	switch {
	case next.ID != prev.ID:
		return fmt.Errorf("%w: another group", ErrBadGroupState)
	case next.Version != prev.Version+1:
		return fmt.Errorf("%w: version %d after %d", ErrBadGroupState, next.Version, prev.Version)
	case prev.isAdmin(next.Author):
		return nil
	case prev.member(next.Author) < 0:
		return fmt.Errorf("%w: signed by someone not in the group", ErrBadGroupState)
	}
	left := prev.clone()
	i := left.member(next.Author)
	left.Members = append(left.Members[:i], left.Members[i+1:]...)
	left.Version, left.Author = next.Version, next.Author
	if !bytes.Equal(left.signed(), next.signed()) {
		return fmt.Errorf("%w: a member who is no admin may only leave", ErrBadGroupState)
	}
	return nil
}
