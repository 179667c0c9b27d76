package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"
)

// Table and column of the group messages waiting for their sender's key,
// part of the sealed field's associated data.
const (
	tableGroupPending = "group_pending"
	colGroupPending   = "payload"
)

// Bounds of the group messages waiting for their sender's key: per member
// of a group, and in all. Saving beyond either drops the oldest.
const (
	MaxPendingPerMember = 100
	MaxPendingTotal     = 2000
)

// pendingBounds are the bounds in force (a test lowers them).
var pendingBounds = struct{ perMember, total int }{MaxPendingPerMember, MaxPendingTotal}

// PendingGroupMessage is a group message waiting for its sender's key, or
// for the version of the group that makes its sender a member.
type PendingGroupMessage struct {
	Row          int64 // set by the store
	Conversation ContactID
	Member       ContactID
	Received     time.Time
	// Stranger marks a message from someone not in our version of the
	// group when it arrived.
	Stranger bool
	Body     []byte // the opened SenderKeyMessage
}

// SavePendingGroupMessage stores p, waiting for its sender's key, after
// the member's other pending messages of the group. Beyond
// [MaxPendingPerMember] for the member or [MaxPendingTotal] in all, the
// oldest are deleted and returned: the caller reports them lost. It fails
// with [ErrNotGroup] if p.Conversation is not a group.
func (s *Store) SavePendingGroupMessage(ctx context.Context, p PendingGroupMessage) (dropped []PendingGroupMessage, err error) {
	if p.Received.IsZero() || p.Received.UnixNano() < 0 {
		return nil, fmt.Errorf("%w: a pending group message without its time", ErrInvalidArgument)
	}
	err = s.write(ctx, func(tx querier) error {
		dropped = nil
		if err := requireGroup(ctx, tx, p.Conversation); err != nil {
			return err
		}
		if err := requireMember(ctx, tx, p.Conversation, p.Member); err != nil {
			return err
		}
		row, err := nextID(ctx, tx, tableGroupPending)
		if err != nil {
			return err
		}
		ct, err := s.c.seal(tableGroupPending, colGroupPending, row, encodePending(p))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO group_pending (id, conversation, member, payload) VALUES (?, ?, ?, ?)`,
			row, p.Conversation, p.Member, ct)
		if isForeignKeyViolation(err) {
			return fmt.Errorf("%w: member %d", ErrNotFound, p.Member)
		}
		if err != nil {
			return fmt.Errorf("store: writing a pending group message: %w", err)
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`SELECT id, conversation, member, payload FROM group_pending WHERE conversation = ? AND member = ?
				ORDER BY id DESC LIMIT -1 OFFSET ?`, []any{p.Conversation, p.Member, pendingBounds.perMember}},
			{`SELECT id, conversation, member, payload FROM group_pending
				ORDER BY id DESC LIMIT -1 OFFSET ?`, []any{pendingBounds.total}},
		} {
			over, err := s.queryPending(ctx, tx, q.sql, q.args...)
			if err != nil {
				return err
			}
			for _, o := range over {
				if err := deletePending(ctx, tx, o.Row); err != nil {
					return err
				}
			}
			for i := len(over) - 1; i >= 0; i-- { // oldest first
				dropped = append(dropped, over[i])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}

// PendingGroupMessages returns the messages of member waiting in group
// conv, in arrival order.
func (s *Store) PendingGroupMessages(ctx context.Context, conv, member ContactID) ([]PendingGroupMessage, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	return s.queryPending(ctx, q, `SELECT id, conversation, member, payload FROM group_pending
		WHERE conversation = ? AND member = ? ORDER BY id`, conv, member)
}

// DeletePendingGroupMessage deletes the pending message of row row (no
// error if it is gone).
func (s *Store) DeletePendingGroupMessage(ctx context.Context, row int64) error {
	return s.write(ctx, func(tx querier) error { return deletePending(ctx, tx, row) })
}

// ExpirePendingGroupMessages deletes and returns, oldest first, the
// pending group messages received before before.
func (s *Store) ExpirePendingGroupMessages(ctx context.Context, before time.Time) ([]PendingGroupMessage, error) {
	var expired []PendingGroupMessage
	err := s.write(ctx, func(tx querier) error {
		expired = nil
		all, err := s.queryPending(ctx, tx, `SELECT id, conversation, member, payload FROM group_pending ORDER BY id`)
		if err != nil {
			return err
		}
		for _, p := range all {
			if !p.Received.Before(before) {
				continue
			}
			if err := deletePending(ctx, tx, p.Row); err != nil {
				return err
			}
			expired = append(expired, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return expired, nil
}

// DropPendingGroupMessages deletes and returns, oldest first, every
// pending message of group conv (we left it: no key will come).
func (s *Store) DropPendingGroupMessages(ctx context.Context, conv ContactID) ([]PendingGroupMessage, error) {
	var gone []PendingGroupMessage
	err := s.write(ctx, func(tx querier) error {
		var err error
		gone, err = s.queryPending(ctx, tx, `SELECT id, conversation, member, payload FROM group_pending
			WHERE conversation = ? ORDER BY id`, conv)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_pending WHERE conversation = ?`, conv); err != nil {
			return fmt.Errorf("store: deleting pending group messages: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return gone, nil
}

func deletePending(ctx context.Context, tx querier, row int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_pending WHERE id = ?`, row); err != nil {
		return fmt.Errorf("store: deleting a pending group message: %w", err)
	}
	return nil
}

// queryPending opens the rows of query (id, conversation, member,
// payload).
func (s *Store) queryPending(ctx context.Context, q querier, query string, args ...any) ([]PendingGroupMessage, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reading pending group messages: %w", err)
	}
	defer rows.Close()
	var out []PendingGroupMessage
	for rows.Next() {
		var p PendingGroupMessage
		var ct []byte
		if err := rows.Scan(&p.Row, &p.Conversation, &p.Member, &ct); err != nil {
			return nil, fmt.Errorf("store: reading pending group messages: %w", err)
		}
		pt, err := s.c.open(tableGroupPending, colGroupPending, p.Row, ct)
		if err != nil {
			return nil, err
		}
		if err := decodePending(pt, &p); err != nil {
			return nil, fmt.Errorf("%w (row %d)", err, p.Row)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading pending group messages: %w", err)
	}
	return out, nil
}

// encodePending is the sealed payload of p: uvarint received (Unix ns) ‖
// a stranger byte (0 or 1) ‖ the body.
func encodePending(p PendingGroupMessage) []byte {
	pt := binary.AppendUvarint(nil, uint64(p.Received.UnixNano()))
	flag := byte(0)
	if p.Stranger {
		flag = 1
	}
	return append(append(pt, flag), p.Body...)
}

// decodePending reads encodePending's payload into p, or fails with
// [ErrCorrupt].
func decodePending(pt []byte, p *PendingGroupMessage) error {
	ns, n := binary.Uvarint(pt)
	if n <= 0 || ns > 1<<63-1 || len(pt) < n+1 || pt[n] > 1 {
		return fmt.Errorf("%w: a pending group message", ErrCorrupt)
	}
	p.Received = time.Unix(0, int64(ns))
	p.Stranger = pt[n] == 1
	p.Body = pt[n+1:]
	return nil
}
