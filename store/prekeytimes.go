package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"
)

// colTimes is the sealed column of a prekey's lifecycle times.
const colTimes = "times"

// preKeyTimesSize is the plaintext of the times column: created and
// retired, Unix milliseconds each, 0 for unset.
const preKeyTimesSize = 16

// PreKeyInfo is what the store knows about a prekey besides its record:
// when it was made (set for long-lived keys) and when it was retired
// (rotated away, or handed out by the home). A zero time is unset.
type PreKeyInfo struct {
	ID      uint32
	Created time.Time
	Retired time.Time
}

// PreKeyInfos lists the prekeys of one kind with their times, ascending
// by id. Rows without times (written before schema 3) have zero times.
func (s *Store) PreKeyInfos(ctx context.Context, kind PreKeyKind) ([]PreKeyInfo, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, times FROM prekeys WHERE kind = ? ORDER BY id`, kind)
	if err != nil {
		return nil, fmt.Errorf("store: reading prekeys: %w", err)
	}
	defer rows.Close()
	var out []PreKeyInfo
	for rows.Next() {
		var info PreKeyInfo
		var ct []byte
		if err := rows.Scan(&info.ID, &ct); err != nil {
			return nil, fmt.Errorf("store: reading prekeys: %w", err)
		}
		if ct != nil {
			ref := PreKeyRef{Kind: kind, ID: info.ID}
			if info.Created, info.Retired, err = s.openPreKeyTimes(ref, ct); err != nil {
				return nil, err
			}
		}
		out = append(out, info)
	}
	return out, rows.Err()
}

// openPreKeyTimes decrypts a times column.
func (s *Store) openPreKeyTimes(ref PreKeyRef, ct []byte) (created, retired time.Time, err error) {
	pt, err := s.c.open(tablePreKeys, colTimes, ref.row(), ct)
	if err != nil {
		return created, retired, err
	}
	if len(pt) != preKeyTimesSize {
		return created, retired, ErrCorrupt
	}
	return fromMillis(binary.BigEndian.Uint64(pt)), fromMillis(binary.BigEndian.Uint64(pt[8:])), nil
}

// SetPreKeyTimes records a prekey's creation and retirement times (a zero
// time unsets one). It fails with [ErrNotFound] when there is no such
// prekey.
func (s *Store) SetPreKeyTimes(ctx context.Context, ref PreKeyRef, created, retired time.Time) error {
	pt := binary.BigEndian.AppendUint64(nil, toMillis(created))
	pt = binary.BigEndian.AppendUint64(pt, toMillis(retired))
	ct, err := s.c.seal(tablePreKeys, colTimes, ref.row(), pt)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, `UPDATE prekeys SET times = ? WHERE kind = ? AND id = ?`, ct, ref.Kind, ref.ID)
		if err != nil {
			return fmt.Errorf("store: writing prekey times: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: writing prekey times: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// DeletePreKeys deletes prekeys in one transaction (secure_delete
// overwrites their bytes); missing ones are no error.
func (s *Store) DeletePreKeys(ctx context.Context, refs []PreKeyRef) error {
	if len(refs) == 0 {
		return nil
	}
	return s.write(ctx, func(tx querier) error {
		for _, ref := range refs {
			if err := deletePreKey(ctx, tx, ref); err != nil {
				return err
			}
		}
		return nil
	})
}

// toMillis is t in Unix milliseconds, 0 for the zero time.
func toMillis(t time.Time) uint64 {
	if t.IsZero() || t.UnixMilli() <= 0 {
		return 0
	}
	return uint64(t.UnixMilli())
}

// fromMillis is the inverse of toMillis.
func fromMillis(ms uint64) time.Time {
	if ms == 0 || ms > 1<<62 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms))
}
