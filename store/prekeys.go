package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Table and column names of prekeys.
const (
	tablePreKeys = "prekeys"
	colRecord    = "record"
)

// PreKeyKind says which of the profile's prekeys a record is.
type PreKeyKind uint8

// The kinds of prekey, as the prekeys table's CHECK constraint lists them.
const (
	// SignedPreKey is an X25519 signed prekey (kept until rotated away).
	KindSignedPreKey PreKeyKind = 1
	// OneTimePreKey is an X25519 one-time prekey (deleted once used).
	KindOneTimePreKey PreKeyKind = 2
	// KEMPreKey is a KEM prekey (Kyber-1024, or ML-KEM-1024 for one made
	// before ratchat spoke Kyber), one-time or last-resort.
	KindKEMPreKey PreKeyKind = 3
)

// PreKeyRef names one prekey.
type PreKeyRef struct {
	Kind PreKeyKind
	ID   uint32
}

// PreKeyStore holds the private halves of the profile's prekeys, as
// opaque records that keys/ serializes (keys.SignedPreKey.MarshalBinary
// and keys.ParseSignedPreKey, and the same for the other kinds): the
// store seals them and never parses them.
type PreKeyStore interface {
	// PutPreKey stores a prekey record, replacing one with the same ref.
	PutPreKey(ctx context.Context, ref PreKeyRef, record []byte) error
	// PreKey returns a prekey record, or ErrNotFound.
	PreKey(ctx context.Context, ref PreKeyRef) ([]byte, error)
	// DeletePreKey deletes a prekey; deleting a missing one is no error.
	DeletePreKey(ctx context.Context, ref PreKeyRef) error
	// PreKeyIDs lists the ids of one kind, ascending.
	PreKeyIDs(ctx context.Context, kind PreKeyKind) ([]uint32, error)
}

var _ PreKeyStore = (*Store)(nil)

// row is the associated-data row id of a prekey: kind and id together.
func (r PreKeyRef) row() int64 { return int64(r.Kind)<<32 | int64(r.ID) }

// valid reports whether the kind is known.
func (r PreKeyRef) valid() bool { return r.Kind >= KindSignedPreKey && r.Kind <= KindKEMPreKey }

// PutPreKey stores a prekey record (its private key included, sealed).
func (s *Store) PutPreKey(ctx context.Context, ref PreKeyRef, record []byte) error {
	if !ref.valid() {
		return ErrInvalidArgument
	}
	ct, err := s.c.seal(tablePreKeys, colRecord, ref.row(), record)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO prekeys (kind, id, record) VALUES (?, ?, ?)
			ON CONFLICT (kind, id) DO UPDATE SET record = excluded.record`, ref.Kind, ref.ID, ct)
		if err != nil {
			return fmt.Errorf("store: writing prekey: %w", err)
		}
		return nil
	})
}

// PreKey returns a prekey record, or [ErrNotFound] (a one-time prekey that
// was already used, for instance).
func (s *Store) PreKey(ctx context.Context, ref PreKeyRef) ([]byte, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	var ct []byte
	err = q.QueryRowContext(ctx, `SELECT record FROM prekeys WHERE kind = ? AND id = ?`, ref.Kind, ref.ID).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading prekey: %w", err)
	}
	return s.c.open(tablePreKeys, colRecord, ref.row(), ct)
}

// DeletePreKey deletes a prekey (secure_delete overwrites its bytes).
func (s *Store) DeletePreKey(ctx context.Context, ref PreKeyRef) error {
	return s.write(ctx, func(tx querier) error { return deletePreKey(ctx, tx, ref) })
}

// deletePreKey is DeletePreKey inside a transaction.
func deletePreKey(ctx context.Context, tx querier, ref PreKeyRef) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM prekeys WHERE kind = ? AND id = ?`, ref.Kind, ref.ID); err != nil {
		return fmt.Errorf("store: deleting prekey: %w", err)
	}
	return nil
}

// PreKeyIDs returns the ids of the stored prekeys of one kind, ascending,
// so the messenger can tell when to upload more one-time prekeys.
func (s *Store) PreKeyIDs(ctx context.Context, kind PreKeyKind) ([]uint32, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id FROM prekeys WHERE kind = ? ORDER BY id`, kind)
	if err != nil {
		return nil, fmt.Errorf("store: reading prekeys: %w", err)
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var id uint32
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: reading prekeys: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
