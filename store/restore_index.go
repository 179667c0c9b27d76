package store

import (
	"context"
	"fmt"
)

// Why a restore drops the secondary indexes of messages and builds them at
// the end: messages arrive in sequence order, so the table itself grows at
// its end, but the blind index of message ids is random, and keeping it up
// row by row costs a random B-tree insert per message. Building it once
// sorts instead: a third less time for the whole restore at 200,000
// messages. The UNIQUE index is rebuilt like the others, so a backup that
// holds the same message twice still fails ([ErrBackupCorrupt]).

// index is the name and definition of an index.
type index struct{ name, sql string }

// dropMessageIndexes drops the secondary indexes of messages and returns
// their definitions, read from the schema itself so that a later
// migration's indexes are kept too.
func dropMessageIndexes(ctx context.Context, q querier) ([]index, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: reading indexes: %w", err)
	}
	var out []index
	for rows.Next() {
		var ix index
		if err := rows.Scan(&ix.name, &ix.sql); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: reading indexes: %w", err)
		}
		out = append(out, ix)
	}
	rows.Close()
	for _, ix := range out {
		if _, err := q.ExecContext(ctx, `DROP INDEX "`+ix.name+`"`); err != nil {
			return nil, fmt.Errorf("store: dropping index: %w", err)
		}
	}
	return out, nil
}

// rebuildIndexes creates the indexes dropMessageIndexes dropped.
func rebuildIndexes(ctx context.Context, q querier, ixs []index) error {
	for _, ix := range ixs {
		_, err := q.ExecContext(ctx, ix.sql)
		if isUniqueViolation(err) {
			return ErrBackupCorrupt // the same message twice
		}
		if err != nil {
			return fmt.Errorf("store: building index: %w", err)
		}
	}
	return nil
}

// restoreInsertMessage inserts a restored message as row m.Seq, without
// the duplicate check of insertMessage (whose index is not there yet).
func (s *Store) restoreInsertMessage(ctx context.Context, tx querier, m *Message) error {
	idx, rec, st, err := s.sealMessage(m, m.Seq)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO messages (id, conversation, msgid_index, record, status)
		VALUES (?, ?, ?, ?, ?)`, m.Seq, m.Conversation, idx, rec, st)
	if err != nil {
		return err
	}
	if !m.Expires.IsZero() {
		return s.setExpiry(ctx, tx, m.Seq, m.Expires)
	}
	return nil
}
