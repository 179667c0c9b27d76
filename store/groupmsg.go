package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Table and column of member statuses, part of the sealed field's
// associated data.
const (
	tableMemberReceipts = "member_receipts"
	colMemberStatus     = "status"
)

// GroupSent is everything that encrypting one message to a group
// changes, committed together by [Store.CommitGroupSent].
type GroupSent struct {
	// Message is the row, in the group's conversation.
	Message Message
	// SenderKey is our sender key record after encrypting (nil: unchanged).
	SenderKey []byte
	// Deliveries are the sealed envelopes, one per member home.
	Deliveries []GroupDelivery
}

// GroupDelivery is one member's envelope of a group message.
type GroupDelivery struct {
	Member  ContactID
	Payload []byte
}

// MemberStatus is where a group message is for one member, and when it
// reached each status.
type MemberStatus struct {
	Member ContactID
	Status Status
	Times  StatusTimes
}

// CommitGroupSent stores, in one transaction, a message to a group (its
// conversation the group), our sender key after encrypting it, an outbox
// item per delivery (Contact the member, Message the row) and each
// member's status, queued (and the message's counts of members at each
// status: all queued). Either all of it is stored or none, so that
// no crash sends a message the history lacks or reuses a sender-key
// iteration. It fails with [ErrNotGroup] for a conversation that is not
// a group, [ErrNotFound] for an unknown member, and [ErrInvalidArgument]
// for a message id the group holds already or a member named twice.
func (s *Store) CommitGroupSent(ctx context.Context, g GroupSent) (seq int64, err error) {
	conv := g.Message.Conversation
	err = s.write(ctx, func(tx querier) error {
		if err := requireGroup(ctx, tx, conv); err != nil {
			return err
		}
		row, err := nextID(ctx, tx, tableMessages)
		if err != nil {
			return err
		}
		var inserted bool
		if seq, inserted, err = s.insertMessage(ctx, tx, g.Message, row); err != nil {
			return err
		}
		if !inserted {
			return fmt.Errorf("%w: the group has this message id", ErrInvalidArgument)
		}
		if g.SenderKey != nil {
			if err := s.putSenderKey(ctx, tx, conv, 0, g.SenderKey); err != nil {
				return err
			}
		}
		if _, err := s.queueDeliveries(ctx, tx, conv, seq, g.Deliveries); err != nil {
			return err
		}
		if len(g.Deliveries) == 0 {
			return nil
		}
		var t memberTally
		t[StatusQueued] = uint64(len(g.Deliveries))
		return s.putTally(ctx, tx, seq, t)
	})
	return seq, err
}

// CommitGroupReceived stores, in one transaction, a message member wrote
// to a group (m.Conversation the group; m.Sender is set to member) and
// the member's sender key after decrypting it (nil: unchanged). A
// message id the group holds already is not stored again (dup), but the
// sender key is, as [Store.CommitReceived] does with a session. It fails
// with [ErrNotGroup] for a conversation that is not a group, and with
// [ErrInvalidArgument] for a member that is zero, the group, or not
// m.Sender when that is set.
func (s *Store) CommitGroupReceived(ctx context.Context, m Message, member ContactID, senderKey []byte) (seq int64, dup bool, err error) {
	conv := m.Conversation
	if m.Sender != 0 && m.Sender != member {
		return 0, false, fmt.Errorf("%w: sender %d is not member %d", ErrInvalidArgument, m.Sender, member)
	}
	m.Sender = member
	err = s.write(ctx, func(tx querier) error {
		if err := requireGroup(ctx, tx, conv); err != nil {
			return err
		}
		if err := requireMember(ctx, tx, conv, member); err != nil {
			return err
		}
		row, err := nextID(ctx, tx, tableMessages)
		if err != nil {
			return err
		}
		var inserted bool
		if seq, inserted, err = s.insertMessage(ctx, tx, m, row); err != nil {
			return err
		}
		dup = !inserted
		if senderKey != nil {
			return s.putSenderKey(ctx, tx, conv, member, senderKey)
		}
		return nil
	})
	return seq, dup, err
}

// SetMemberStatus moves one member's status of a message to a group
// forward (as [Store.SetStatus] moves a row's: see statusAdvances), a
// receipt from that member, and with it the row's own status, the
// summary: the least advanced member's (failed counting as the least).
// It returns the summary and whether the row's status changed. It fails
// with [ErrNotFound] for an unknown message or a member the message was
// not sent to. A member whose delivery was given up on is marked
// [StatusFailed] here, not through [Store.SetStatus], so that the
// summary keeps it.
func (s *Store) SetMemberStatus(ctx context.Context, conv ContactID, id MessageID, member ContactID, st Status) (summary Status, changed bool, err error) {
	if st < StatusQueued || st > StatusFailed {
		return 0, false, ErrInvalidArgument
	}
	err = s.write(ctx, func(tx querier) error {
		m, err := s.scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+`
			WHERE m.conversation = ? AND m.msgid_index = ?`, conv, s.messageIndex(conv, id)))
		if err != nil {
			return err
		}
		summary, changed, err = s.advanceMember(ctx, tx, m, member, st)
		return err
	})
	return summary, changed, err
}

// advanceMember moves member's status of message m to st if
// statusAdvances allows it, then sets the row's status to the summary of
// every member's, from the message's counts of members at each status
// (moveTally): the cost does not grow with the members. It returns the
// row's status and whether it changed; [ErrNotFound] if the message was
// not sent to member.
func (s *Store) advanceMember(ctx context.Context, tx querier, m Message, member ContactID, st Status) (Status, bool, error) {
	var row int64
	var ct []byte
	err := tx.QueryRowContext(ctx, `SELECT id, status FROM member_receipts WHERE message = ? AND member = ?`,
		m.Seq, member).Scan(&row, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return m.Status, false, fmt.Errorf("%w: message %d to member %d", ErrNotFound, m.Seq, member)
	}
	if err != nil {
		return m.Status, false, fmt.Errorf("store: reading member status: %w", err)
	}
	ms, err := s.openMemberStatus(row, member, ct)
	if err != nil {
		return m.Status, false, err
	}
	if !statusAdvances(ms.Status, st) {
		return m.Status, false, nil
	}
	sealed, err := s.c.seal(tableMemberReceipts, colMemberStatus, row, encodeStatus(st, s.now(), ms.Times))
	if err != nil {
		return m.Status, false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE member_receipts SET status = ? WHERE id = ?`, sealed, row); err != nil {
		return m.Status, false, fmt.Errorf("store: writing member status: %w", err)
	}
	sum, err := s.moveTally(ctx, tx, m.Seq, ms.Status, st)
	if err != nil {
		return m.Status, false, err
	}
	if sum == m.Status {
		return sum, false, nil
	}
	rowStatus, err := s.c.seal(tableMessages, colStatus, m.Seq, encodeStatus(sum, s.now(), m.Times))
	if err != nil {
		return m.Status, false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET status = ? WHERE id = ?`, rowStatus, m.Seq); err != nil {
		return m.Status, false, fmt.Errorf("store: writing status: %w", err)
	}
	return sum, true, nil
}

// statusRank orders statuses for the summary: failed is the least
// advanced (the user must see that a member did not get the message),
// then queued, sent, delivered, read.
func statusRank(st Status) int {
	if st == StatusFailed {
		return 0
	}
	return int(st)
}

// MemberStatuses returns each member's status of a message to a group,
// by member id (empty for a message that was not sent to a group), or
// [ErrNotFound] for an unknown message.
func (s *Store) MemberStatuses(ctx context.Context, conv ContactID, id MessageID) ([]MemberStatus, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	var seq int64
	err = q.QueryRowContext(ctx, `SELECT id FROM messages WHERE conversation = ? AND msgid_index = ?`,
		conv, s.messageIndex(conv, id)).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading message: %w", err)
	}
	return s.memberStatuses(ctx, q, seq)
}

// memberStatuses returns the member statuses of message seq on q.
func (s *Store) memberStatuses(ctx context.Context, q querier, seq int64) ([]MemberStatus, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, member, status FROM member_receipts WHERE message = ? ORDER BY member`, seq)
	if err != nil {
		return nil, fmt.Errorf("store: reading member statuses: %w", err)
	}
	defer rows.Close()
	var out []MemberStatus
	for rows.Next() {
		var row int64
		var member ContactID
		var ct []byte
		if err := rows.Scan(&row, &member, &ct); err != nil {
			return nil, fmt.Errorf("store: reading member statuses: %w", err)
		}
		ms, err := s.openMemberStatus(row, member, ct)
		if err != nil {
			return nil, err
		}
		out = append(out, ms)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading member statuses: %w", err)
	}
	return out, nil
}

// openMemberStatus opens the sealed status of member_receipts row.
func (s *Store) openMemberStatus(row int64, member ContactID, ct []byte) (MemberStatus, error) {
	pt, err := s.c.open(tableMemberReceipts, colMemberStatus, row, ct)
	if err != nil {
		return MemberStatus{}, err
	}
	st, _, times, err := decodeStatus(pt)
	if err != nil {
		return MemberStatus{}, err
	}
	if st < StatusQueued || st > StatusFailed {
		return MemberStatus{}, ErrCorrupt
	}
	return MemberStatus{Member: member, Status: st, Times: times}, nil
}
