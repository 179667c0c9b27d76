package store

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"ratchat/keys"
)

// recordReader reads the framed records of a logical export.
type recordReader struct {
	r   *bufio.Reader
	buf []byte
}

// newRecordReader reads records from the opened stream.
func newRecordReader(r io.Reader) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(r, streamChunkSize)}
}

// next returns the next record; io.EOF at the clean end of the stream.
// The body is valid until the next call.
func (rr *recordReader) next() (byte, []byte, error) {
	kind, err := rr.r.ReadByte()
	if err != nil {
		return 0, nil, streamErr(err, true)
	}
	n, err := binary.ReadUvarint(rr.r)
	if err != nil {
		if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrBackupCorrupt) && !errors.Is(err, ErrBackupTruncated) {
			// The length itself is bad (a varint over 64 bits): corrupt.
			return 0, nil, fmt.Errorf("%w: record length: %w", ErrBackupCorrupt, err)
		}
		return 0, nil, streamErr(err, false)
	}
	if n > maxBackupRecord {
		return 0, nil, ErrBackupCorrupt
	}
	if uint64(cap(rr.buf)) < n {
		rr.buf = make([]byte, n)
	}
	rr.buf = rr.buf[:n]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return 0, nil, streamErr(err, false)
	}
	return kind, rr.buf, nil
}

// streamErr maps a read error: the stream's own typed errors pass, a clean
// end is io.EOF only between records, and a record cut short by the end
// of an authenticated stream is corrupt.
func streamErr(err error, atBoundary bool) error {
	switch {
	case errors.Is(err, ErrBackupCorrupt), errors.Is(err, ErrBackupTruncated):
		return err
	case err == io.EOF && atBoundary:
		return io.EOF
	case err == io.EOF, err == io.ErrUnexpectedEOF:
		return ErrBackupCorrupt
	default:
		return fmt.Errorf("store: reading backup: %w", err)
	}
}

// restoreBatch is how many records go into one transaction.
const restoreBatch = 5000

// restoreState tracks what a restore has seen, to check the export's
// structure: the profile first, ids increasing, counts matching the end.
type restoreState struct {
	profile, end         bool
	contacts, messages   uint64
	lastContact, lastMsg int64
}

// applyBackup reads every record into s, in transactions of restoreBatch
// records, checks the end record and builds the indexes.
func (s *Store) applyBackup(ctx context.Context, rr *recordReader) error {
	var ixs []index
	err := s.write(ctx, func(tx querier) error {
		var err error
		ixs, err = dropMessageIndexes(ctx, tx)
		return errors.Join(err, pauseEvents(ctx, tx, true)) // the log is not restored (events.go)
	})
	if err != nil {
		return err
	}
	st := &restoreState{}
	for {
		done, err := s.applyBatch(ctx, rr, st)
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	if !st.end {
		return ErrBackupCorrupt
	}
	return s.write(ctx, func(tx querier) error {
		if err := rebuildIndexes(ctx, tx, ixs); err != nil {
			return err
		}
		if err := pauseEvents(ctx, tx, false); err != nil {
			return err
		}
		return markSessionsForReset(ctx, tx)
	})
}

// applyBatch applies up to restoreBatch records in one transaction and
// reports whether the stream ended.
func (s *Store) applyBatch(ctx context.Context, rr *recordReader, st *restoreState) (bool, error) {
	done := false
	err := s.write(ctx, func(tx querier) error {
		for range restoreBatch {
			kind, body, err := rr.next()
			if err == io.EOF {
				done = true
				return nil
			}
			if err != nil {
				return err
			}
			if st.end {
				return ErrBackupCorrupt // nothing may follow the end record
			}
			if err := s.applyRecord(ctx, tx, st, kind, body); err != nil {
				return err
			}
		}
		return nil
	})
	return done, err
}

// applyRecord inserts one record. A record that does not parse, or that a
// constraint rejects, makes the backup corrupt: it authenticated, so only
// a broken or hostile exporter holding the key could have written it.
func (s *Store) applyRecord(ctx context.Context, tx querier, st *restoreState, kind byte, body []byte) error {
	if !st.profile && kind != recProfile {
		return ErrBackupCorrupt
	}
	d := newDecoder(body)
	var err error
	switch kind {
	case recProfile:
		err = s.restoreProfile(ctx, tx, st, d)
	case recSetting:
		name, value := d.str(), d.str()
		if err = d.done(); err == nil {
			err = s.setSetting(ctx, tx, name, value)
		}
	case recContact:
		err = s.restoreContact(ctx, tx, st, d)
	case recIdentityChange:
		err = s.restoreIdentityChange(ctx, tx, d)
	case recMessage:
		err = s.restoreMessage(ctx, tx, st, d)
	case recAttachment:
		err = s.restoreAttachment(ctx, tx, d)
	case recDepositToken:
		err = s.restoreToken(ctx, tx, d)
	case recGroupState:
		err = s.restoreGroupState(ctx, tx, d)
	case recEnd:
		c, m := d.uvarint(), d.uvarint()
		if err = d.done(); err == nil && (c != st.contacts || m != st.messages) {
			err = ErrBackupCorrupt
		}
		st.end = true
	default:
		err = ErrBackupCorrupt
	}
	if err != nil && !errors.Is(err, ErrBackupCorrupt) {
		return fmt.Errorf("%w: %w", ErrBackupCorrupt, err)
	}
	return err
}

// restoreProfile applies the profile record, which comes first and once.
func (s *Store) restoreProfile(ctx context.Context, tx querier, st *restoreState, d *decoder) error {
	if st.profile {
		return ErrBackupCorrupt
	}
	st.profile = true
	identity, name, address := d.bytes(), d.bytes(), d.bytes()
	defer clear(identity)
	if err := d.done(); err != nil {
		return err
	}
	if len(identity) != 0 {
		if len(identity) != identityRecSize {
			return ErrBackupCorrupt
		}
		kp, err := keys.NewKeyPair(keys.PrivateKey(identity[keys.KeySize:]))
		if err != nil || !kp.Public.Equal(keys.PublicKey(identity[:keys.KeySize])) {
			return ErrBackupCorrupt
		}
		if err := s.setIdentity(ctx, tx, kp); err != nil {
			return err
		}
	}
	for col, v := range map[string][]byte{colName: name, colAddress: address} {
		if len(v) != 0 {
			if err := s.setProfileField(ctx, tx, col, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// restoreContact applies a contact record, keeping its id.
func (s *Store) restoreContact(ctx context.Context, tx querier, st *restoreState, d *decoder) error {
	id := int64(d.uvarint())
	var c Contact
	d.fixed(c.Identity[:])
	c.Name, c.Address, c.Verified, c.Held = d.str(), d.str(), d.bool(), d.bool()
	if d.d.Len() > 0 { // state and files policy, written since schema 4
		state, files := d.uvarint(), d.uvarint()
		if state > uint64(StateRemoved) || files > uint64(FilesAsk) {
			return ErrBackupCorrupt
		}
		c.State, c.Files = ContactState(state), FilesPolicy(files)
	}
	group := d.d.Len() > 0 && d.bool() // since schema 8
	if err := d.done(); err != nil {
		return err
	}
	if id <= st.lastContact {
		return ErrBackupCorrupt
	}
	if group {
		c.GroupID, c.Identity = GroupID(c.Identity), keys.PublicKey{}
		if !c.IsGroup() {
			return ErrBackupCorrupt
		}
	}
	st.lastContact = id
	st.contacts++
	if _, err := s.insertContact(ctx, tx, id, c); err != nil {
		return err
	}
	if group {
		return insertGroupRow(ctx, tx, ContactID(id))
	}
	return nil
}

// restoreGroupState applies a record of a group's state: versions come
// oldest first, after the group's contact record.
func (s *Store) restoreGroupState(ctx context.Context, tx querier, d *decoder) error {
	conv, version, state := ContactID(d.uvarint()), d.uvarint(), d.bytes()
	if err := d.done(); err != nil {
		return err
	}
	if conv <= 0 || version == 0 || len(state) == 0 || len(state) > MaxGroupStateSize {
		return ErrBackupCorrupt
	}
	cur, _, err := s.groupState(ctx, tx, conv)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return err
	case version <= cur:
		return ErrBackupCorrupt
	}
	return s.putGroupState(ctx, tx, conv, version, state)
}

// restoreIdentityChange applies an identity-history record.
func (s *Store) restoreIdentityChange(ctx context.Context, tx querier, d *decoder) error {
	contact := ContactID(d.uvarint())
	var ch IdentityChange
	d.fixed(ch.Old[:])
	d.fixed(ch.New[:])
	ch.At = d.time()
	if err := d.done(); err != nil {
		return err
	}
	return s.addIdentityChange(ctx, tx, contact, ch)
}

// restoreMessage applies a message record, keeping its sequence number.
func (s *Store) restoreMessage(ctx context.Context, tx querier, st *restoreState, d *decoder) error {
	var m Message
	m.Seq = int64(d.uvarint())
	m.Conversation = ContactID(d.uvarint())
	d.fixed(m.ID[:])
	m.Direction, m.Status = Direction(d.uvarint()), Status(d.uvarint())
	m.StatusAt, m.Sent, m.Received, m.Expires = d.time(), d.time(), d.time(), d.time()
	m.Body = d.bytes()
	m.decodeExtra(d)
	if err := d.done(); err != nil {
		return err
	}
	if m.Seq <= st.lastMsg || !m.valid() {
		return ErrBackupCorrupt
	}
	st.lastMsg = m.Seq
	st.messages++
	return s.restoreInsertMessage(ctx, tx, &m)
}

// restoreAttachment applies an attachment record.
func (s *Store) restoreAttachment(ctx context.Context, tx querier, d *decoder) error {
	a := Attachment{Message: int64(d.uvarint())}
	a.Name, a.MIME, a.Data = d.str(), d.str(), d.bytes()
	if err := d.done(); err != nil {
		return err
	}
	_, err := s.putAttachment(ctx, tx, a)
	return err
}
