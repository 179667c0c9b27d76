package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"ratchat/keys"
)

// Table and column names of contacts, part of every sealed field's
// associated data.
const (
	tableContacts  = "contacts"
	colTrust       = "trust"
	tableHistory   = "identity_history"
	colChange      = "change"
	contactColumns = "id, identity, name, address, trust"
)

// ContactID is a contact's row id; it is also the conversation id.
type ContactID int64

// Contact is someone the profile talks to.
type Contact struct {
	// ID is assigned by [Store.AddContact].
	ID ContactID
	// Identity is the contact's identity public key.
	Identity keys.PublicKey
	// Name is the name the user gave the contact.
	Name string
	// Address is the contact's home address.
	Address string
	// Verified is set once the safety number was compared.
	Verified bool
	// Held is set when the contact's identity key changed and the user has
	// not yet accepted the new one: nothing may be sent to the contact.
	// [Store.ChangeIdentity] sets it, [Store.AcceptIdentity] clears it.
	Held bool
	// State says whether the contact is one the user accepted, a message
	// request from someone new, or blocked. Only [Store.SetContactState]
	// and [Store.Block] change it.
	State ContactState
	// Files is the contact's "accept files automatically" setting; only
	// [Store.SetFilesPolicy] changes it.
	Files FilesPolicy
	// GroupID is non-zero for a group conversation ([Store.AddGroup]),
	// whose Identity is then zero.
	GroupID GroupID
}

// ContactState is where a contact stands with the user.
type ContactState uint8

// Contact states, kept in the sealed trust byte.
const (
	// StateContact is a contact the user added or accepted.
	StateContact ContactState = 0
	// StateRequest is someone new who wrote to us: a message request.
	StateRequest ContactState = 1
	// StateBlocked is a blocked sender: its envelopes are dropped.
	StateBlocked ContactState = 2
	// StateRemoved is a contact the user removed but whose history was
	// kept ([Store.Forget]): listed nowhere, written to by no one; its
	// next message makes it a request again. (A contact removed with its
	// history has no row at all.)
	StateRemoved ContactState = 3
)

// FilesPolicy is whether a contact's file offers download by themselves.
type FilesPolicy uint8

// Files policies, kept in the sealed trust byte.
const (
	// FilesDefault downloads automatically only from verified contacts.
	FilesDefault FilesPolicy = 0
	// FilesAuto downloads every offer of the contact's automatically.
	FilesAuto FilesPolicy = 1
	// FilesAsk waits for the user to accept each offer.
	FilesAsk FilesPolicy = 2
)

// Bits of the sealed trust byte: verified, held, the state (2 bits) and
// the files policy (2 bits), since schema 4; the group mark since schema 8.
const (
	trustVerified   = 1 << 0
	trustHeld       = 1 << 1
	trustStateShift = 2
	trustFilesShift = 4
	trustGroup      = 1 << 6
	trustKnown      = 0x7f
)

// IdentityChange is one change of a contact's identity key.
type IdentityChange struct {
	Old, New keys.PublicKey
	At       time.Time
}

// ContactStore holds contacts, their verification state and the history of
// their identity keys.
type ContactStore interface {
	// AddContact stores a new contact; ErrContactExists for a known key.
	AddContact(ctx context.Context, c Contact) (ContactID, error)
	// Contact returns one contact, or ErrNotFound.
	Contact(ctx context.Context, id ContactID) (Contact, error)
	// ContactByIdentity finds a contact by identity key, or ErrNotFound.
	ContactByIdentity(ctx context.Context, identity keys.PublicKey) (Contact, error)
	// Contacts returns every person (never a group), in the order they
	// were added.
	Contacts(ctx context.Context) ([]Contact, error)
	// UpdateContact changes a contact's name and address.
	UpdateContact(ctx context.Context, c Contact) error
	// SetVerified marks a contact verified or not.
	SetVerified(ctx context.Context, id ContactID, verified bool) error
	// ChangeIdentity records a new identity key, clears the verified mark
	// and holds sending until AcceptIdentity.
	ChangeIdentity(ctx context.Context, id ContactID, identity keys.PublicKey) error
	// AcceptIdentity releases a contact held by an identity change.
	AcceptIdentity(ctx context.Context, id ContactID) error
	// IdentityHistory returns a contact's identity-key changes, oldest first.
	IdentityHistory(ctx context.Context, id ContactID) ([]IdentityChange, error)
	// SetContactState accepts, blocks or unblocks a contact.
	SetContactState(ctx context.Context, id ContactID, state ContactState) error
	// Block marks a contact blocked and deletes its history, outbox and
	// session in one transaction.
	Block(ctx context.Context, id ContactID) error
	// SetFilesPolicy sets whether a contact's files download by themselves.
	SetFilesPolicy(ctx context.Context, id ContactID, p FilesPolicy) error
	// DeleteContact deletes a contact with its session and messages.
	DeleteContact(ctx context.Context, id ContactID) error
}

var _ ContactStore = (*Store)(nil)

// AddContact stores a new contact and returns its id. It fails with
// [ErrContactExists] if a contact has the same identity key.
func (s *Store) AddContact(ctx context.Context, c Contact) (ContactID, error) {
	var id ContactID
	err := s.write(ctx, func(tx querier) error {
		var err error
		id, err = s.addContact(ctx, tx, c)
		return err
	})
	return id, err
}

// addContact is AddContact inside a transaction.
func (s *Store) addContact(ctx context.Context, tx querier, c Contact) (ContactID, error) {
	row, err := nextID(ctx, tx, tableContacts)
	if err != nil {
		return 0, err
	}
	return s.insertContact(ctx, tx, row, c)
}

// insertContact inserts c as row id row.
func (s *Store) insertContact(ctx context.Context, tx querier, row int64, c Contact) (ContactID, error) {
	f, err := s.sealContact(row, c)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO contacts (id, identity_index, identity, name, address, trust)
		VALUES (?, ?, ?, ?, ?, ?)`, row, s.contactIndex(c), f[0], f[1], f[2], f[3])
	if isUniqueViolation(err) {
		return 0, ErrContactExists
	}
	if err != nil {
		return 0, fmt.Errorf("store: adding contact: %w", err)
	}
	return ContactID(row), nil
}

// sealContact seals the identity, name, address and trust columns.
func (s *Store) sealContact(row int64, c Contact) ([4][]byte, error) {
	var out [4][]byte
	trust := []byte{0}
	if c.Verified {
		trust[0] |= trustVerified
	}
	if c.Held {
		trust[0] |= trustHeld
	}
	if c.State > StateRemoved || c.Files > FilesAsk {
		return out, fmt.Errorf("%w: contact state %d, files %d", ErrCorrupt, c.State, c.Files)
	}
	trust[0] |= byte(c.State)<<trustStateShift | byte(c.Files)<<trustFilesShift
	identity := c.Identity[:]
	if c.IsGroup() {
		// A group has no key to verify or hold, and is never blocked
		// (a group one does not want is left or deleted).
		if c.Identity != (keys.PublicKey{}) || c.Verified || c.Held || c.State == StateBlocked {
			return out, fmt.Errorf("%w: a group with a key, verified, held or blocked", ErrIsGroup)
		}
		trust[0] |= trustGroup
		identity = c.GroupID[:]
	}
	cols := [4]string{colIdentity, colName, colAddress, colTrust}
	vals := [4][]byte{identity, []byte(c.Name), []byte(c.Address), trust}
	for i := range cols {
		ct, err := s.c.seal(tableContacts, cols[i], row, vals[i])
		if err != nil {
			return out, err
		}
		out[i] = ct
	}
	return out, nil
}

// scanContact reads and opens one row selected with contactColumns.
func (s *Store) scanContact(sc interface{ Scan(...any) error }) (Contact, error) {
	var c Contact
	var row int64
	var f [4][]byte
	if err := sc.Scan(&row, &f[0], &f[1], &f[2], &f[3]); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return c, ErrNotFound
		}
		return c, fmt.Errorf("store: reading contact: %w", err)
	}
	cols := [4]string{colIdentity, colName, colAddress, colTrust}
	var pt [4][]byte
	for i := range cols {
		b, err := s.c.open(tableContacts, cols[i], row, f[i])
		if err != nil {
			return c, err
		}
		pt[i] = b
	}
	if len(pt[0]) != keys.KeySize || len(pt[3]) != 1 || pt[3][0]&^trustKnown != 0 {
		return c, ErrCorrupt
	}
	t := pt[3][0]
	c.State, c.Files = ContactState(t>>trustStateShift&3), FilesPolicy(t>>trustFilesShift&3)
	if c.State > StateRemoved || c.Files > FilesAsk {
		return c, ErrCorrupt
	}
	c.ID = ContactID(row)
	if t&trustGroup != 0 {
		copy(c.GroupID[:], pt[0])
		if c.GroupID == (GroupID{}) || t&(trustVerified|trustHeld) != 0 || c.State == StateBlocked {
			return c, ErrCorrupt
		}
	} else {
		copy(c.Identity[:], pt[0])
	}
	c.Name, c.Address = string(pt[1]), string(pt[2])
	c.Verified, c.Held = t&trustVerified != 0, t&trustHeld != 0
	return c, nil
}

// Contact returns the contact with id, or [ErrNotFound].
func (s *Store) Contact(ctx context.Context, id ContactID) (Contact, error) {
	q, err := s.reader()
	if err != nil {
		return Contact{}, err
	}
	return s.contact(ctx, q, id)
}

// contact is Contact on q.
func (s *Store) contact(ctx context.Context, q querier, id ContactID) (Contact, error) {
	return s.scanContact(q.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = ?`, id))
}

// ContactByIdentity returns the contact whose identity key is identity, or
// [ErrNotFound]. The look-up goes through the key's blind index.
func (s *Store) ContactByIdentity(ctx context.Context, identity keys.PublicKey) (Contact, error) {
	q, err := s.reader()
	if err != nil {
		return Contact{}, err
	}
	return s.scanContact(q.QueryRowContext(ctx,
		`SELECT `+contactColumns+` FROM contacts WHERE identity_index = ?`, s.identityIndex(identity)))
}

// Contacts returns every person in the order they were added: contacts,
// requests, blocked and removed ones, never a group ([Store.Groups]).
//
// Why apart: every caller of Contacts walks people (to send presence, to
// match a name, to list requests); a group row among them would be taken
// for a person with the zero key.
func (s *Store) Contacts(ctx context.Context) ([]Contact, error) {
	return s.contactRows(ctx, false)
}

// contactRows returns the people (groups false) or the groups.
func (s *Store) contactRows(ctx context.Context, groups bool) ([]Contact, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	all, err := s.contacts(ctx, q)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if c.IsGroup() == groups {
			out = append(out, c)
		}
	}
	return out, nil
}

// contacts returns every row of the contacts table, people and groups,
// on q.
func (s *Store) contacts(ctx context.Context, q querier) ([]Contact, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: reading contacts: %w", err)
	}
	defer rows.Close()
	var out []Contact
	for rows.Next() {
		c, err := s.scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// identityIndex is the blind index of an identity key.
func (s *Store) identityIndex(pub keys.PublicKey) []byte {
	return s.c.blind(s.keys.blindIdentity, pub[:])
}

// groupIndex is the blind index of a group id: the identity key's blind
// key, in a domain of its own. The parts are length-prefixed, so a
// (domain, id) pair never gives the input of a key's one-part index:
// no group id can be looked up as a person's key or the other way round.
func (s *Store) groupIndex(id GroupID) []byte {
	return s.c.blind(s.keys.blindIdentity, []byte(blindDomainGroup), id[:])
}

// blindDomainGroup is the domain of the group ids' blind index.
const blindDomainGroup = "group"

// contactIndex is the blind index of a contacts row: its key's or its
// group id's.
func (s *Store) contactIndex(c Contact) []byte {
	if c.IsGroup() {
		return s.groupIndex(c.GroupID)
	}
	return s.identityIndex(c.Identity)
}

// IsGroup reports whether c is a group conversation.
func (c Contact) IsGroup() bool { return c.GroupID != (GroupID{}) }

// isUniqueViolation reports whether err is a UNIQUE constraint failure.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}
