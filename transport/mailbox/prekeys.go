package mailbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"ratchat/keys"
)

// PreKey is one stored one-time prekey: its id and its opaque record.
type PreKey struct {
	ID     uint32
	Record []byte
}

// PreKeyUpload is what an owner publishes. Signed and LastResort replace
// the stored ones; OneTime and KEM are added (a record with an id already
// stored replaces it), after dropping the stored ones if ReplaceOneTime.
type PreKeyUpload struct {
	Signed         []byte
	LastResort     []byte
	ReplaceOneTime bool
	OneTime        []PreKey
	KEM            []PreKey
}

// Handout is what [Store.TakePreKeys] gives out for one bundle.
type Handout struct {
	Signed      []byte
	LastResort  []byte
	OneTime     *PreKey // nil when none is left
	KEM         *PreKey // nil when none is left: use LastResort
	OneTimeLeft int
	KEMLeft     int
}

// The two one-time prekey tables.
const (
	tableOneTime = "one_time_prekeys"
	tableKEM     = "kem_prekeys"
)

// PutPreKeys stores an owner's upload in one transaction. It fails with
// [ErrUnknownMailbox], or [ErrQuota] (storing nothing) if the owner would
// hold more than [Options.MaxPreKeys] one-time prekeys of a kind.
func (s *Store) PutPreKeys(owner keys.PublicKey, u PreKeyUpload) error {
	return s.write(func(tx *sql.Tx) error {
		res, err := s.exec(tx, `UPDATE mailboxes SET signed_prekey = ?, last_resort = ? WHERE owner = ?`,
			u.Signed, u.LastResort, owner[:])
		if err != nil {
			return fmt.Errorf("mailbox: storing prekeys: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return ErrUnknownMailbox
		}
		if err := s.putOneTime(tx, tableOneTime, owner, u.ReplaceOneTime, u.OneTime); err != nil {
			return err
		}
		return s.putOneTime(tx, tableKEM, owner, u.ReplaceOneTime, u.KEM)
	})
}

// putOneTime adds records to one table, checking the quota after.
func (s *Store) putOneTime(tx *sql.Tx, table string, owner keys.PublicKey, replace bool, records []PreKey) error {
	if replace {
		if _, err := s.exec(tx, `DELETE FROM `+table+` WHERE owner = ?`, owner[:]); err != nil {
			return fmt.Errorf("mailbox: replacing prekeys: %w", err)
		}
	}
	for _, k := range records {
		_, err := s.exec(tx, `INSERT OR REPLACE INTO `+table+` (owner, id, record) VALUES (?, ?, ?)`,
			owner[:], k.ID, k.Record)
		if err != nil {
			return fmt.Errorf("mailbox: storing prekey: %w", err)
		}
	}
	n, err := s.countRows(tx, table, owner)
	if err != nil {
		return err
	}
	if n > s.opts.MaxPreKeys {
		return ErrQuota
	}
	return nil
}

// TakePreKeys hands out one bundle's worth of owner's prekeys, deleting
// the one-time ones it returns, in one transaction: no two callers ever
// get the same one-time prekey. It fails with [ErrUnknownMailbox] or
// [ErrNoPreKeys].
func (s *Store) TakePreKeys(owner keys.PublicKey) (Handout, error) {
	var h Handout
	err := s.write(func(tx *sql.Tx) error {
		h = Handout{}
		err := s.queryRow(tx, `SELECT signed_prekey, last_resort FROM mailboxes WHERE owner = ?`, owner[:]).
			Scan(&h.Signed, &h.LastResort)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrUnknownMailbox
		}
		if err != nil {
			return fmt.Errorf("mailbox: reading prekeys: %w", err)
		}
		if h.Signed == nil || h.LastResort == nil {
			return ErrNoPreKeys
		}
		if h.OneTime, h.OneTimeLeft, err = s.takeOne(tx, tableOneTime, owner); err != nil {
			return err
		}
		h.KEM, h.KEMLeft, err = s.takeOne(tx, tableKEM, owner)
		return err
	})
	return h, err
}

// takeOne deletes and returns the lowest-id record of a table (nil if
// empty), with the count left.
func (s *Store) takeOne(tx *sql.Tx, table string, owner keys.PublicKey) (*PreKey, int, error) {
	k := &PreKey{}
	err := s.queryRow(tx, `DELETE FROM `+table+` WHERE owner = ?1 AND id =
		(SELECT min(id) FROM `+table+` WHERE owner = ?1) RETURNING id, record`, owner[:]).Scan(&k.ID, &k.Record)
	if errors.Is(err, sql.ErrNoRows) {
		k = nil
	} else if err != nil {
		return nil, 0, fmt.Errorf("mailbox: taking prekey: %w", err)
	}
	n, err := s.countRows(tx, table, owner)
	return k, n, err
}

// PreKeyCounts returns how many one-time prekeys of each kind owner has
// left.
func (s *Store) PreKeyCounts(ctx context.Context, owner keys.PublicKey) (oneTime, kem int, err error) {
	db, err := s.reader()
	if err != nil {
		return 0, 0, err
	}
	err = db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM one_time_prekeys WHERE owner = ?1),
		(SELECT count(*) FROM kem_prekeys WHERE owner = ?1)`, owner[:]).Scan(&oneTime, &kem)
	if err != nil {
		return 0, 0, fmt.Errorf("mailbox: counting prekeys: %w", err)
	}
	return oneTime, kem, nil
}

// countRows counts an owner's rows in a prekey table.
func (s *Store) countRows(tx *sql.Tx, table string, owner keys.PublicKey) (int, error) {
	var n int
	if err := s.queryRow(tx, `SELECT count(*) FROM `+table+` WHERE owner = ?`, owner[:]).Scan(&n); err != nil {
		return 0, fmt.Errorf("mailbox: counting prekeys: %w", err)
	}
	return n, nil
}

// PeekPreKeys returns owner's signed prekey and last-resort KEM prekey
// with the counts of one-time prekeys left, and consumes nothing: a
// handout without one-time keys. A home gives it out when an owner's
// bundles are being fetched faster than it allows, so that sessions can
// still start while nobody can drain the one-time keys. It fails with
// [ErrUnknownMailbox] or [ErrNoPreKeys].
func (s *Store) PeekPreKeys(ctx context.Context, owner keys.PublicKey) (Handout, error) {
	db, err := s.reader()
	if err != nil {
		return Handout{}, err
	}
	var h Handout
	err = db.QueryRowContext(ctx, `SELECT signed_prekey, last_resort,
		(SELECT count(*) FROM one_time_prekeys WHERE owner = ?1),
		(SELECT count(*) FROM kem_prekeys WHERE owner = ?1)
		FROM mailboxes WHERE owner = ?1`, owner[:]).Scan(&h.Signed, &h.LastResort, &h.OneTimeLeft, &h.KEMLeft)
	if errors.Is(err, sql.ErrNoRows) {
		return Handout{}, ErrUnknownMailbox
	}
	if err != nil {
		return Handout{}, fmt.Errorf("mailbox: reading prekeys: %w", err)
	}
	if h.Signed == nil || h.LastResort == nil {
		return Handout{}, ErrNoPreKeys
	}
	return h, nil
}
