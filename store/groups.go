package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// GroupIDSize is the length of a group id.
const GroupIDSize = 32

// GroupID is a group's id: 32 random bytes its creator drew, the same in
// every member's profile.
type GroupID [GroupIDSize]byte

// Bounds of what the store keeps of a group's state.
const (
	// MaxGroupHistory bounds the versions of a group's state kept: the
	// latest and the ones before it, which [Store.GroupStatesAfter] hands
	// to a member catching up.
	MaxGroupHistory = 1000
	// MaxGroupStateSize bounds one version of a state, in bytes: 1,024
	// members with 255-byte homes take about 300 KB.
	MaxGroupStateSize = 1 << 20
)

// Tables and columns of groups, part of every sealed field's associated
// data.
const (
	tableGroups       = "groups"
	colLatest         = "latest"
	tableGroupHistory = "group_history"
	colGroupState     = "state"
)

// AddGroup stores a new group conversation: a row of the contacts table
// whose sealed identity column holds the group id, under a blind index of
// its own domain, marked a group in its sealed trust byte, with no state
// yet ([Store.SaveGroupState]). state is [StateContact], [StateRequest]
// (we were added by someone who is not a contact) or [StateRemoved]. It
// fails with [ErrGroupExists] (matching [ErrExists]) if the group is
// known already.
func (s *Store) AddGroup(ctx context.Context, id GroupID, name string, state ContactState) (ContactID, error) {
	if id == (GroupID{}) || state == StateBlocked || state > StateRemoved {
		return 0, ErrInvalidArgument
	}
	var conv ContactID
	err := s.write(ctx, func(tx querier) error {
		var err error
		conv, err = s.addContact(ctx, tx, Contact{GroupID: id, Name: name, State: state})
		if errors.Is(err, ErrContactExists) {
			return ErrGroupExists
		}
		if err != nil {
			return err
		}
		return insertGroupRow(ctx, tx, conv)
	})
	return conv, err
}

// insertGroupRow adds the groups row of conversation conv, with no state.
func insertGroupRow(ctx context.Context, tx querier, conv ContactID) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO groups (conversation) VALUES (?)`, conv); err != nil {
		return fmt.Errorf("store: adding group: %w", err)
	}
	return nil
}

// GroupByID returns the group conversation with id, or [ErrNotFound].
func (s *Store) GroupByID(ctx context.Context, id GroupID) (Contact, error) {
	q, err := s.reader()
	if err != nil {
		return Contact{}, err
	}
	return s.scanContact(q.QueryRowContext(ctx,
		`SELECT `+contactColumns+` FROM contacts WHERE identity_index = ?`, s.groupIndex(id)))
}

// Groups returns every group conversation, in the order they were added.
func (s *Store) Groups(ctx context.Context) ([]Contact, error) {
	return s.contactRows(ctx, true)
}

// person returns the contact id on q, or [ErrIsGroup] for a group.
func (s *Store) person(ctx context.Context, q querier, id ContactID) (Contact, error) {
	c, err := s.contact(ctx, q, id)
	if err == nil && c.IsGroup() {
		return c, ErrIsGroup
	}
	return c, err
}

// isGroup reports whether conv is a group conversation. The groups row
// says so without opening the sealed trust byte (whose mark it mirrors).
func isGroup(ctx context.Context, q querier, conv ContactID) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE conversation = ?`, conv).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: reading group: %w", err)
	}
	return n == 1, nil
}

// requireGroup fails with [ErrNotGroup] unless conv is a group.
func requireGroup(ctx context.Context, q querier, conv ContactID) error {
	ok, err := isGroup(ctx, q, conv)
	if err == nil && !ok {
		err = fmt.Errorf("%w: conversation %d", ErrNotGroup, conv)
	}
	return err
}

// requireMember fails unless member can be a member of group conv: not
// zero, not the group, and not a group itself ([ErrNotGroup]).
func requireMember(ctx context.Context, q querier, conv, member ContactID) error {
	if member <= 0 || member == conv {
		return fmt.Errorf("%w: member %d", ErrInvalidArgument, member)
	}
	ok, err := isGroup(ctx, q, member)
	if err == nil && ok {
		err = fmt.Errorf("%w: member %d is a group", ErrNotGroup, member)
	}
	return err
}

// isGroupRefusal reports whether err is the refusal of the schema's
// triggers to give a group a session or a token.
func isGroupRefusal(err error) bool {
	return err != nil && strings.Contains(err.Error(), "store: not for a group")
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY failure: a
// row that names a contact or a message that does not exist.
func isForeignKeyViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// encodeGroupState is the plaintext of a sealed state: version ‖ state.
func encodeGroupState(version uint64, state []byte) []byte {
	var e encoder
	e.uvarint(version)
	e.bytes(state)
	return e.b
}

// decodeGroupState reverses encodeGroupState.
func decodeGroupState(pt []byte) (uint64, []byte, error) {
	d := newDecoder(pt)
	v, st := d.uvarint(), d.bytes()
	return v, st, d.done()
}

// SaveGroupState stores version of a group's state as its latest, and
// appends it to the group's history, of which the newest
// [MaxGroupHistory] versions are kept. Versions are applied in order: a
// version not newer than the latest fails with [ErrInvalidArgument], as
// does version 0 or a state over [MaxGroupStateSize]. It fails with
// [ErrNotGroup] for a conversation that is not a group.
func (s *Store) SaveGroupState(ctx context.Context, conv ContactID, version uint64, state []byte) error {
	if version == 0 || len(state) == 0 || len(state) > MaxGroupStateSize {
		return fmt.Errorf("%w: group state version %d of %d bytes", ErrInvalidArgument, version, len(state))
	}
	return s.write(ctx, func(tx querier) error {
		cur, _, err := s.groupState(ctx, tx, conv)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err == nil && version <= cur {
			return fmt.Errorf("%w: group state version %d after %d", ErrInvalidArgument, version, cur)
		}
		return s.putGroupState(ctx, tx, conv, version, state)
	})
}

// putGroupState writes the latest state and its history row, and prunes
// the history.
func (s *Store) putGroupState(ctx context.Context, tx querier, conv ContactID, version uint64, state []byte) error {
	pt := encodeGroupState(version, state)
	latest, err := s.c.seal(tableGroups, colLatest, int64(conv), pt)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE groups SET latest = ? WHERE conversation = ?`, latest, conv); err != nil {
		return fmt.Errorf("store: writing group state: %w", err)
	}
	row, err := nextID(ctx, tx, tableGroupHistory)
	if err != nil {
		return err
	}
	hist, err := s.c.seal(tableGroupHistory, colGroupState, row, pt)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO group_history (id, conversation, state) VALUES (?, ?, ?)`, row, conv, hist)
	if err != nil {
		return fmt.Errorf("store: writing group history: %w", err)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM group_history WHERE conversation = ? AND id NOT IN
		(SELECT id FROM group_history WHERE conversation = ? ORDER BY id DESC LIMIT ?)`, conv, conv, MaxGroupHistory)
	if err != nil {
		return fmt.Errorf("store: pruning group history: %w", err)
	}
	return nil
}

// GroupState returns the version and bytes of a group's latest state,
// [ErrNotFound] if it has none yet, or [ErrNotGroup].
func (s *Store) GroupState(ctx context.Context, conv ContactID) (uint64, []byte, error) {
	q, err := s.reader()
	if err != nil {
		return 0, nil, err
	}
	return s.groupState(ctx, q, conv)
}

// groupState is GroupState on q.
func (s *Store) groupState(ctx context.Context, q querier, conv ContactID) (uint64, []byte, error) {
	var ct []byte
	err := q.QueryRowContext(ctx, `SELECT latest FROM groups WHERE conversation = ?`, conv).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("%w: conversation %d", ErrNotGroup, conv)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("store: reading group state: %w", err)
	}
	if ct == nil {
		return 0, nil, ErrNotFound
	}
	pt, err := s.c.open(tableGroups, colLatest, int64(conv), ct)
	if err != nil {
		return 0, nil, err
	}
	return decodeGroupState(pt)
}

// GroupStatesAfter returns the kept states of a group whose version is
// above after, oldest first (empty when after is the latest), or
// [ErrNotGroup]. Only the newest [MaxGroupHistory] are kept: the caller
// checks that the first one follows after.
func (s *Store) GroupStatesAfter(ctx context.Context, conv ContactID, after uint64) ([][]byte, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	if err := requireGroup(ctx, q, conv); err != nil {
		return nil, err
	}
	var out [][]byte
	err = s.groupHistory(ctx, q, conv, func(version uint64, state []byte) error {
		if version > after {
			out = append(out, state)
		}
		return nil
	})
	return out, err
}

// groupHistory calls fn with every kept version of a group's state, in
// the order they were stored.
func (s *Store) groupHistory(ctx context.Context, q querier, conv ContactID, fn func(uint64, []byte) error) error {
	rows, err := q.QueryContext(ctx, `SELECT id, state FROM group_history WHERE conversation = ? ORDER BY id`, conv)
	if err != nil {
		return fmt.Errorf("store: reading group history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var row int64
		var ct []byte
		if err := rows.Scan(&row, &ct); err != nil {
			return fmt.Errorf("store: reading group history: %w", err)
		}
		pt, err := s.c.open(tableGroupHistory, colGroupState, row, ct)
		if err != nil {
			return err
		}
		v, st, err := decodeGroupState(pt)
		if err != nil {
			return err
		}
		if err := fn(v, st); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: reading group history: %w", err)
	}
	return nil
}

// forgetGroup deletes what a group conversation kept beside its history:
// its state and state history, every sender key, the messages waiting
// for one, the member statuses of its messages and the deliveries still
// queued. The groups row stays
// (without a state), so the row is still known as a group.
func forgetGroup(ctx context.Context, tx querier, conv ContactID) error {
	for _, stmt := range []string{
		`UPDATE groups SET latest = NULL WHERE conversation = ?`,
		`DELETE FROM group_history WHERE conversation = ?`,
		`DELETE FROM sender_keys WHERE conversation = ?`,
		`DELETE FROM group_pending WHERE conversation = ?`,
		`DELETE FROM member_receipts WHERE message IN (SELECT id FROM messages WHERE conversation = ?)`,
		`DELETE FROM member_tallies WHERE message IN (SELECT id FROM messages WHERE conversation = ?)`,
		`DELETE FROM outbox WHERE message IN (SELECT id FROM messages WHERE conversation = ?)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, conv); err != nil {
			return fmt.Errorf("store: forgetting group: %w", err)
		}
	}
	return nil
}
