package store

import (
	"context"
	"fmt"
)

// Table and column of the control messages committed and not yet applied
// (migration 0013).
const (
	tablePendingControls = "pending_controls"
	colBody              = "body"
)

// maxPendingControls bounds what [Store.PendingControls] returns at once:
// the caller applies them and asks again.
const maxPendingControls = 256

// PendingControl is a control message whose session state is committed
// and whose effect is not applied yet (see [Store.CommitControl]).
type PendingControl struct {
	ID      int64
	Contact ContactID
	// Body is what the messenger kept to apply it, opened.
	Body []byte
	// Attempts counts the applications that failed ([Store.ControlFailed]).
	Attempts int
}

// addPendingControl stores body, sealed, inside a transaction.
func (s *Store) addPendingControl(ctx context.Context, tx querier, contact ContactID, body []byte) (int64, error) {
	row, err := nextID(ctx, tx, tablePendingControls)
	if err != nil {
		return 0, err
	}
	ct, err := s.c.seal(tablePendingControls, colBody, row, body)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO pending_controls (id, contact, body) VALUES (?, ?, ?)`,
		row, contact, ct); err != nil {
		return 0, fmt.Errorf("store: keeping a control message: %w", err)
	}
	return row, nil
}

// PendingControls returns the oldest control messages committed and not
// yet applied, at most 256, oldest first. Those of a contact since
// removed are gone with it.
func (s *Store) PendingControls(ctx context.Context) ([]PendingControl, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, contact, body, attempts FROM pending_controls ORDER BY id LIMIT ?`,
		maxPendingControls)
	if err != nil {
		return nil, fmt.Errorf("store: reading control messages: %w", err)
	}
	defer rows.Close()
	var out []PendingControl
	for rows.Next() {
		var p PendingControl
		var ct []byte
		if err := rows.Scan(&p.ID, &p.Contact, &ct, &p.Attempts); err != nil {
			return nil, fmt.Errorf("store: reading control messages: %w", err)
		}
		if p.Body, err = s.c.open(tablePendingControls, colBody, p.ID, ct); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading control messages: %w", err)
	}
	return out, nil
}

// ControlApplied forgets a control message once applied. An id already
// forgotten is no error.
func (s *Store) ControlApplied(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_controls WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: forgetting a control message: %w", err)
		}
		return nil
	})
}

// ControlFailed counts a failed application of a control message.
func (s *Store) ControlFailed(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `UPDATE pending_controls SET attempts = attempts + 1 WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: counting a control message's attempt: %w", err)
		}
		return nil
	})
}
