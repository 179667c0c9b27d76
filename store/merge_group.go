package store

import (
	"context"
	"fmt"
)

// moveGroupMember makes contact to the member that from was in every
// group, inside a merge ([Store.MergeRequestInto]): from is about to be
// deleted, and with it (foreign keys cascade) whatever still names it.
//
//   - from's sender keys replace to's in the groups where from has one:
//     they were distributed by the key that to now has;
//   - from's member statuses become to's, except for messages sent to
//     both (to's stays), and so do from's messages waiting for its key;
//   - the rows from wrote to groups, and its reactions there, become to's
//     (a reaction of from's where to has one is dropped: one per person).
//
// Why: a member unknown to us arrives as a request; when the user finds
// it is a contact on a new key and merges them, the group history must
// keep showing who wrote what.
func (s *Store) moveGroupMember(ctx context.Context, tx querier, from, to ContactID) error {
	for _, stmt := range []string{
		`DELETE FROM sender_keys WHERE member = ?2 AND conversation IN
			(SELECT conversation FROM sender_keys WHERE member = ?1)`,
		`UPDATE sender_keys SET member = ?2 WHERE member = ?1`,
		`UPDATE OR IGNORE member_receipts SET member = ?2 WHERE member = ?1`,
		`UPDATE group_pending SET member = ?2 WHERE member = ?1`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, from, to); err != nil {
			return fmt.Errorf("store: merging group members: %w", err)
		}
	}
	return s.moveGroupAuthor(ctx, tx, from, to)
}

// moveGroupAuthor rewrites the group rows whose sender or reactions name
// from to name to.
func (s *Store) moveGroupAuthor(ctx context.Context, tx querier, from, to ContactID) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+`
		WHERE m.conversation IN (SELECT conversation FROM groups) ORDER BY m.id`)
	if err != nil {
		return fmt.Errorf("store: merging group members: %w", err)
	}
	var changed []Message
	for rows.Next() {
		m, err := s.scanMessage(rows)
		if err != nil {
			rows.Close()
			return err
		}
		if renameMember(&m, from, to) {
			changed = append(changed, m)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("store: merging group members: %w", err)
	}
	for i := range changed {
		if err := s.rewriteRecord(ctx, tx, &changed[i]); err != nil {
			return err
		}
	}
	return nil
}

// renameMember makes m's sender and reactions that name from name to,
// and reports whether anything changed.
func renameMember(m *Message, from, to ContactID) bool {
	changed := false
	if m.Sender == from {
		m.Sender, changed = to, true
	}
	toReacted := false
	for _, r := range m.Reactions {
		toReacted = toReacted || r.From == Incoming && r.Member == to
	}
	out := m.Reactions[:0]
	for _, r := range m.Reactions {
		if r.From == Incoming && r.Member == from {
			changed = true
			if toReacted {
				continue
			}
			r.Member = to
		}
		out = append(out, r)
	}
	m.Reactions = out
	return changed
}
