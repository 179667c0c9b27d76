package store

import (
	"context"
	"fmt"
)

// Table and column names of attachments.
const (
	tableAttachments = "attachments"
	colMeta          = "meta"
	colData          = "data"
)

// Attachment is a file sent with a message.
type Attachment struct {
	// ID is assigned by [Store.PutAttachment].
	ID int64
	// Message is the sequence number of the message it belongs to.
	Message int64
	// Name is the file name the sender gave.
	Name string
	// MIME is the media type the sender gave.
	MIME string
	// Data is the content; [Store.Attachments] leaves it nil.
	Data []byte
}

// PutAttachment stores an attachment of message a.Message and returns its
// id. Name, type and content are sealed; only the size shows.
func (s *Store) PutAttachment(ctx context.Context, a Attachment) (int64, error) {
	var id int64
	err := s.write(ctx, func(tx querier) error {
		var err error
		id, err = s.putAttachment(ctx, tx, a)
		return err
	})
	return id, err
}

// putAttachment is PutAttachment inside a transaction.
func (s *Store) putAttachment(ctx context.Context, tx querier, a Attachment) (int64, error) {
	row, err := nextID(ctx, tx, tableAttachments)
	if err != nil {
		return 0, err
	}
	var e encoder
	e.str(a.Name)
	e.str(a.MIME)
	meta, err := s.c.seal(tableAttachments, colMeta, row, e.b)
	if err != nil {
		return 0, err
	}
	data, err := s.c.seal(tableAttachments, colData, row, a.Data)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO attachments (id, message, meta, data) VALUES (?, ?, ?, ?)`,
		row, a.Message, meta, data)
	if err != nil {
		return 0, fmt.Errorf("store: writing attachment: %w", err)
	}
	return row, nil
}

// Attachment returns one attachment with its content, or [ErrNotFound].
func (s *Store) Attachment(ctx context.Context, id int64) (Attachment, error) {
	q, err := s.reader()
	if err != nil {
		return Attachment{}, err
	}
	list, err := s.attachments(ctx, q, `WHERE id = ?`, true, id)
	if err != nil {
		return Attachment{}, err
	}
	if len(list) == 0 {
		return Attachment{}, ErrNotFound
	}
	return list[0], nil
}

// Attachments lists the attachments of message seq without their content.
func (s *Store) Attachments(ctx context.Context, seq int64) ([]Attachment, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	return s.attachments(ctx, q, `WHERE message = ?`, false, seq)
}

// attachments reads the attachments a WHERE clause selects.
func (s *Store) attachments(ctx context.Context, q querier, where string, withData bool, args ...any) ([]Attachment, error) {
	data := "NULL"
	if withData {
		data = "data"
	}
	rows, err := q.QueryContext(ctx, `SELECT id, message, meta, `+data+` FROM attachments `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reading attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		var meta, ct []byte
		if err := rows.Scan(&a.ID, &a.Message, &meta, &ct); err != nil {
			return nil, fmt.Errorf("store: reading attachments: %w", err)
		}
		pt, err := s.c.open(tableAttachments, colMeta, a.ID, meta)
		if err != nil {
			return nil, err
		}
		d := newDecoder(pt)
		a.Name, a.MIME = d.str(), d.str()
		if err := d.done(); err != nil {
			return nil, err
		}
		if withData {
			if a.Data, err = s.c.open(tableAttachments, colData, a.ID, ct); err != nil {
				return nil, err
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
