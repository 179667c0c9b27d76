package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
)

// Record kinds of the logical export. Sessions and prekeys are never
// exported: restoring ratchet state would reuse message keys, and the
// prekeys published from the old device must not be answered twice.
const (
	recProfile        = 1 // identity (64 bytes or empty), name, address
	recSetting        = 2 // name, value
	recContact        = 3 // id, identity, name, address, verified, held
	recIdentityChange = 4 // contact, old, new, at
	recMessage        = 5 // seq, conversation, id, direction, status, status at, sent, received, expires, body
	recAttachment     = 6 // message seq, name, type, data
	recEnd            = 7 // counts: contacts, messages; nothing may follow
	recDepositToken   = 8 // role, contact, kind, token, revoked (before recEnd)
	recGroupState     = 9 // conversation, version, state: a group's kept versions, oldest first, after its contact
	// maxBackupRecord bounds a record's length before it is allocated.
	maxBackupRecord = 64 << 20
	// progressEvery is how many records pass between progress reports.
	progressEvery = 1000
)

// Progress reports how far an export (in records) or a restore (in bytes
// of the backup file) has come; Total is 0 when unknown.
type Progress struct {
	Done, Total int64
}

// recordWriter frames records onto the sealed stream and reports progress.
type recordWriter struct {
	w        *bufio.Writer
	hdr      []byte
	done     int64
	total    int64
	progress func(Progress)
}

// write frames one record: kind, uvarint length, body.
func (r *recordWriter) write(kind byte, e *encoder) error {
	r.hdr = binary.AppendUvarint(append(r.hdr[:0], kind), uint64(len(e.b)))
	r.w.Write(r.hdr)
	if _, err := r.w.Write(e.b); err != nil {
		return fmt.Errorf("store: writing backup: %w", err)
	}
	r.done++
	if r.progress != nil && r.done%progressEvery == 0 {
		r.progress(Progress{Done: r.done, Total: r.total})
	}
	return nil
}

// Export writes a backup of the profile to w, sealed under key: identity,
// profile, settings, contacts with their verification state and identity
// history, messages and attachments, from one consistent snapshot (a read
// transaction; writers are not blocked). progress, if not nil, is called
// every thousand records and at the end.
func (s *Store) Export(ctx context.Context, w io.Writer, key BackupKey, progress func(Progress)) error {
	if s.closed.Load() {
		return ErrClosed
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	rw := &recordWriter{progress: progress}
	if rw.total, err = countRecords(ctx, txQuerier{tx: tx, c: s.stmts}); err != nil {
		return err
	}
	payloadKey, err := writeBackupHeader(w, key, s.kdf, s.rand)
	if err != nil {
		return err
	}
	sw, err := newStreamWriter(w, payloadKey)
	clear(payloadKey)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	rw.w = bufio.NewWriterSize(sw, streamChunkSize)
	if err := s.exportAll(ctx, txQuerier{tx: tx, c: s.stmts}, rw); err != nil {
		return err
	}
	if err := rw.w.Flush(); err != nil {
		return fmt.Errorf("store: writing backup: %w", err)
	}
	if err := sw.Close(); err != nil {
		return fmt.Errorf("store: writing backup: %w", err)
	}
	if progress != nil {
		progress(Progress{Done: rw.done, Total: rw.total})
	}
	return nil
}

// countRecords counts the records an export will write.
func countRecords(ctx context.Context, q querier) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT 2 + (SELECT count(*) FROM settings) + (SELECT count(*) FROM contacts)
		+ (SELECT count(*) FROM identity_history) + (SELECT count(*) FROM messages)
		+ (SELECT count(*) FROM attachments) + (SELECT count(*) FROM group_history)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: counting rows: %w", err)
	}
	return n, nil
}

// exportAll writes every record, in an order restore can insert them in.
func (s *Store) exportAll(ctx context.Context, tx querier, rw *recordWriter) error {
	if err := s.exportProfile(ctx, tx, rw); err != nil {
		return err
	}
	contacts, err := s.exportContacts(ctx, tx, rw)
	if err != nil {
		return err
	}
	messages, err := s.exportMessages(ctx, tx, rw)
	if err != nil {
		return err
	}
	if err := s.exportAttachments(ctx, tx, rw); err != nil {
		return err
	}
	if err := s.exportTokens(ctx, tx, rw); err != nil {
		return err
	}
	var e encoder
	e.uvarint(uint64(contacts))
	e.uvarint(uint64(messages))
	return rw.write(recEnd, &e)
}

// exportProfile writes the profile and settings records.
func (s *Store) exportProfile(ctx context.Context, tx querier, rw *recordWriter) error {
	var e encoder
	for _, col := range []string{colIdentity, colName, colAddress} {
		var ct []byte
		if err := tx.QueryRowContext(ctx, `SELECT `+col+` FROM profile WHERE id = 1`).Scan(&ct); err != nil {
			return fmt.Errorf("store: reading profile: %w", err)
		}
		var pt []byte
		if ct != nil {
			var err error
			if pt, err = s.c.open(tableProfile, col, profileRowID, ct); err != nil {
				return err
			}
		}
		e.bytes(pt)
		clear(pt)
	}
	err := rw.write(recProfile, &e)
	clear(e.b)
	if err != nil {
		return err
	}
	settings, err := s.settings(ctx, tx)
	if err != nil {
		return err
	}
	for name, value := range settings {
		var e encoder
		e.str(name)
		e.str(value)
		if err := rw.write(recSetting, &e); err != nil {
			return err
		}
	}
	return nil
}

// exportContacts writes every contact and its identity history, and
// every group with its kept states.
func (s *Store) exportContacts(ctx context.Context, tx querier, rw *recordWriter) (int, error) {
	contacts, err := s.contacts(ctx, tx)
	if err != nil {
		return 0, err
	}
	for _, c := range contacts {
		var e encoder
		e.uvarint(uint64(c.ID))
		if c.IsGroup() {
			e.bytes(c.GroupID[:])
		} else {
			e.bytes(c.Identity[:])
		}
		e.str(c.Name)
		e.str(c.Address)
		e.bool(c.Verified)
		e.bool(c.Held)
		if c.State != StateContact || c.Files != FilesDefault || c.IsGroup() {
			// Optional since schema 4: an older backup ends after Held.
			e.uvarint(uint64(c.State))
			e.uvarint(uint64(c.Files))
		}
		if c.IsGroup() {
			e.bool(true) // since schema 8: the identity is a group id
		}
		if err := rw.write(recContact, &e); err != nil {
			return 0, err
		}
		if c.IsGroup() {
			if err := s.exportGroupStates(ctx, tx, rw, c.ID); err != nil {
				return 0, err
			}
			continue
		}
		history, err := s.identityHistory(ctx, tx, c.ID)
		if err != nil {
			return 0, err
		}
		for _, h := range history {
			var e encoder
			e.uvarint(uint64(c.ID))
			e.bytes(h.Old[:])
			e.bytes(h.New[:])
			e.time(h.At)
			if err := rw.write(recIdentityChange, &e); err != nil {
				return 0, err
			}
		}
	}
	return len(contacts), nil
}

// exportGroupStates writes a record per kept version of a group's state,
// oldest first. Sender keys are never exported: like sessions, they are
// ratchet state, and a restored profile starts new ones.
func (s *Store) exportGroupStates(ctx context.Context, tx querier, rw *recordWriter, conv ContactID) error {
	return s.groupHistory(ctx, tx, conv, func(version uint64, state []byte) error {
		var e encoder
		e.uvarint(uint64(conv))
		e.uvarint(version)
		e.bytes(state)
		return rw.write(recGroupState, &e)
	})
}

// exportMessages streams every message, in sequence order.
func (s *Store) exportMessages(ctx context.Context, tx querier, rw *recordWriter) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` ORDER BY m.id`)
	if err != nil {
		return 0, fmt.Errorf("store: reading messages: %w", err)
	}
	defer rows.Close()
	n := 0
	e := encoder{}
	for rows.Next() {
		m, err := s.scanMessage(rows)
		if err != nil {
			return 0, err
		}
		e.b = e.b[:0]
		encodeBackupMessage(&e, &m)
		if err := rw.write(recMessage, &e); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

// encodeBackupMessage is the body of a message record.
func encodeBackupMessage(e *encoder, m *Message) {
	e.uvarint(uint64(m.Seq))
	e.uvarint(uint64(m.Conversation))
	e.bytes(m.ID[:])
	e.uvarint(uint64(m.Direction))
	e.uvarint(uint64(m.Status))
	e.time(m.StatusAt)
	e.time(m.Sent)
	e.time(m.Received)
	e.time(m.Expires)
	e.bytes(m.Body)
	m.encodeExtra(e)
}

// exportAttachments streams every attachment with its content.
func (s *Store) exportAttachments(ctx context.Context, tx querier, rw *recordWriter) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM attachments ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: reading attachments: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: reading attachments: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		list, err := s.attachments(ctx, tx, `WHERE id = ?`, true, id)
		if err != nil {
			return err
		}
		for _, a := range list {
			var e encoder
			e.uvarint(uint64(a.Message))
			e.str(a.Name)
			e.str(a.MIME)
			e.bytes(a.Data)
			if err := rw.write(recAttachment, &e); err != nil {
				return err
			}
		}
	}
	return nil
}
