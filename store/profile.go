package store

import (
	"context"
	"fmt"

	"ratchat/keys"
)

// Table and column names of the profile and settings, part of every sealed
// field's associated data.
const (
	tableProfile    = "profile"
	colIdentity     = "identity"
	colName         = "name"
	colAddress      = "address"
	tableSettings   = "settings"
	colValue        = "value"
	profileRowID    = 1
	identityRecSize = 2 * keys.KeySize
)

// ProfileStore holds the profile's own identity and details.
type ProfileStore interface {
	// Identity returns the profile's identity key pair, or ErrNotFound.
	Identity(ctx context.Context) (keys.KeyPair, error)
	// SetIdentity stores the identity key pair once; ErrIdentityExists after.
	SetIdentity(ctx context.Context, kp keys.KeyPair) error
	// DisplayName returns the profile's display name ("" if unset).
	DisplayName(ctx context.Context) (string, error)
	// SetDisplayName changes the display name.
	SetDisplayName(ctx context.Context, name string) error
	// HomeAddress returns the address of the profile's home ("" if unset).
	HomeAddress(ctx context.Context) (string, error)
	// SetHomeAddress changes the home address.
	SetHomeAddress(ctx context.Context, addr string) error
	// Setting returns a setting's value, or ErrNotFound.
	Setting(ctx context.Context, name string) (string, error)
	// SetSetting stores a setting.
	SetSetting(ctx context.Context, name, value string) error
	// DeleteSetting deletes a setting.
	DeleteSetting(ctx context.Context, name string) error
}

var _ ProfileStore = (*Store)(nil)

// Identity returns the profile's identity key pair, or [ErrNotFound] if
// none was set.
func (s *Store) Identity(ctx context.Context) (keys.KeyPair, error) {
	var kp keys.KeyPair
	b, err := s.profileField(ctx, colIdentity)
	if err != nil {
		return kp, err
	}
	if b == nil {
		return kp, ErrNotFound
	}
	defer clear(b)
	if len(b) != identityRecSize {
		return kp, ErrCorrupt
	}
	var priv keys.PrivateKey
	copy(priv[:], b[keys.KeySize:])
	kp, err = keys.NewKeyPair(priv)
	if err != nil {
		return keys.KeyPair{}, ErrCorrupt
	}
	// The public half is stored too and must match the private one.
	if !kp.Public.Equal(keys.PublicKey(b[:keys.KeySize])) {
		return keys.KeyPair{}, ErrCorrupt
	}
	return kp, nil
}

// SetIdentity stores the profile's identity key pair. It fails with
// [ErrIdentityExists] if one is already set.
func (s *Store) SetIdentity(ctx context.Context, kp keys.KeyPair) error {
	return s.write(ctx, func(tx querier) error { return s.setIdentity(ctx, tx, kp) })
}

// setIdentity is SetIdentity inside a transaction.
func (s *Store) setIdentity(ctx context.Context, tx querier, kp keys.KeyPair) error {
	var set bool
	if err := tx.QueryRowContext(ctx, `SELECT identity IS NOT NULL FROM profile WHERE id = 1`).Scan(&set); err != nil {
		return fmt.Errorf("store: reading profile: %w", err)
	}
	if set {
		return ErrIdentityExists
	}
	rec := make([]byte, 0, identityRecSize)
	rec = append(append(rec, kp.Public[:]...), kp.Private[:]...)
	defer clear(rec)
	return s.setProfileField(ctx, tx, colIdentity, rec)
}

// DisplayName returns the profile's display name, "" if unset.
func (s *Store) DisplayName(ctx context.Context) (string, error) {
	b, err := s.profileField(ctx, colName)
	return string(b), err
}

// SetDisplayName changes the profile's display name.
func (s *Store) SetDisplayName(ctx context.Context, name string) error {
	return s.write(ctx, func(tx querier) error { return s.setProfileField(ctx, tx, colName, []byte(name)) })
}

// HomeAddress returns the address of the profile's home, "" if unset.
func (s *Store) HomeAddress(ctx context.Context) (string, error) {
	b, err := s.profileField(ctx, colAddress)
	return string(b), err
}

// SetHomeAddress changes the address of the profile's home.
func (s *Store) SetHomeAddress(ctx context.Context, addr string) error {
	return s.write(ctx, func(tx querier) error { return s.setProfileField(ctx, tx, colAddress, []byte(addr)) })
}

// profileField reads and opens one column of the profile row; nil if NULL.
// col is one of the column constants, never caller input.
func (s *Store) profileField(ctx context.Context, col string) ([]byte, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	var ct []byte
	if err := q.QueryRowContext(ctx, `SELECT `+col+` FROM profile WHERE id = 1`).Scan(&ct); err != nil {
		return nil, fmt.Errorf("store: reading profile: %w", err)
	}
	if ct == nil {
		return nil, nil
	}
	return s.c.open(tableProfile, col, profileRowID, ct)
}

// setProfileField seals and writes one column of the profile row.
func (s *Store) setProfileField(ctx context.Context, tx querier, col string, v []byte) error {
	ct, err := s.c.seal(tableProfile, col, profileRowID, v)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE profile SET `+col+` = ? WHERE id = 1`, ct); err != nil {
		return fmt.Errorf("store: writing profile: %w", err)
	}
	return nil
}
