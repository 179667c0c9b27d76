package chat

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"ratchat/store"
)

// MaxFileSize bounds a file sent or accepted: 4 GiB.
const MaxFileSize = 4 << 30

// fileWindow bounds the chunks of one file queued and not yet accepted by
// the contact's home: the outbox holds at most this many (4 MB) rather
// than the whole file, and a cancelled transfer drops at most this many
// from it (each a ratchet message the receiver then skips, far below the
// session's limit of skipped keys).
const fileWindow = 64

// progressSteps is how finely a file row's Done is rewritten: once per
// 1/progressSteps of the file, and at the end, rather than per chunk, so
// that a transfer costs few history writes. [FileProgress] events carry
// the live figure.
const progressSteps = 20

// errPeerCancelled is the cause of a sending context the contact's
// [KindFileCancel] stopped: nothing is sent back.
var errPeerCancelled = errors.New("chat: the contact cancelled the transfer")

// errPeerFailed is the cause of a sending context the receiver failed
// (it could not or would not take the file).
var errPeerFailed = errors.New("chat: the contact could not take the file")

// SendFile sends the file at path to a contact: an offer (name, size,
// chunk count, SHA-256), which is part of the history, then the file in
// chunks of [ChunkSize], each its own ratchet message and so authenticated
// on its own; the receiver checks the whole file's hash at the end.
//
// SendFile returns once the contact's home has accepted every chunk.
// progress, if not nil, is called from SendFile as the home accepts
// chunks, with the bytes accepted so far. The file's row stays
// [store.FileTransferring] until the receiver confirms that the file was
// whole and saved ([store.FileComplete]) or reports it failed.
//
// Cancelling ctx (or [Messenger.CancelFile]) stops the transfer: the
// chunks not yet accepted are dropped from the outbox, the row becomes
// [store.FileCancelled] and the contact is told to drop what it received.
func (m *Messenger) SendFile(ctx context.Context, id store.ContactID, path string, progress func(done, total int64)) (store.Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return store.Message{}, err
	}
	defer f.Close()
	offer, err := fileOffer(f, filepath.Base(path))
	if err != nil {
		return store.Message{}, err
	}
	source, err := filepath.Abs(path)
	if err != nil {
		return store.Message{}, err
	}
	return m.sendFile(ctx, id, f, offer, source, progress)
}

// sendFile sends f under offer: the offer as a history row, then its
// chunks, then (on any failure) the cancellation. source, if set, is
// where f lives: the row keeps it, with the offer's hash, so that the
// file can be sent again when the receiver asks (files_resume.go).
func (m *Messenger) sendFile(ctx context.Context, id store.ContactID, f io.ReadSeeker, offer *Content, source string, progress func(done, total int64)) (store.Message, error) {
	if err := m.stamp(offer); err != nil {
		return store.Message{}, err
	}
	offer.FileID = offer.ID
	msg, err := m.sendMessage(ctx, id, offer, func(msg *store.Message) {
		msg.Kind, msg.File = store.KindFile, &store.FileInfo{Name: offer.Name, Size: int64(offer.FileSize),
			Source: source, SHA256: offer.FileSHA256}
	})
	if err != nil {
		return store.Message{}, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	o := m.files.begin(id, offer.ID, cancel)
	defer m.files.end(o)
	if err := m.st.SetSetting(ctx, sendingSetting(offer.ID), fmt.Sprint(id)); err != nil {
		return msg, err
	}
	defer m.st.DeleteSetting(context.WithoutCancel(ctx), sendingSetting(offer.ID))
	if err := m.sendChunks(ctx, o, f, offer, 0, progress); err != nil {
		m.abortSend(ctx, o, err)
		return msg, err
	}
	if g, err := m.groupOf(ctx, id); err != nil || g != nil {
		// In a group, no member answers with a file done: the file is
		// complete once every member's home has every chunk.
		if err == nil {
			_, err = m.endFileRow(ctx, id, offer.ID, store.FileComplete)
		}
		return msg, err
	}
	return msg, nil
}

// sendChunks queues the chunks from chunk from on, at most fileWindow
// ahead of what the contact's home accepted, and waits until it accepted
// them all.
func (m *Messenger) sendChunks(ctx context.Context, o *outgoing, f io.ReadSeeker, offer *Content, from uint32, progress func(done, total int64)) error {
	base := int64(from) * ChunkSize
	if _, err := f.Seek(base, io.SeekStart); err != nil {
		return err
	}
	total := int64(offer.FileSize)
	reported := min(base, total)
	report := func() {
		done := min(base+m.files.deposited(o), total)
		if done == reported {
			return
		}
		m.events.emit(FileProgress{Contact: o.contact, File: o.file, Outgoing: true, Done: done, Total: total})
		if progress != nil {
			progress(done, total)
		}
		if crossedStep(reported, done, total) {
			m.fileProgressRow(ctx, o.contact, o.file, done)
		}
		reported = done
	}
	buf := make([]byte, ChunkSize)
	for i := from; i < offer.FileChunks; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		// A full window drains to half before it is refilled: each pass of
		// the outbox reads every item queued, so it should find many.
		for full := m.files.inFlight(o) >= fileWindow; full && m.files.inFlight(o) > fileWindow/2; {
			if err := o.await(ctx); err != nil {
				return err
			}
			report()
		}
		n, err := io.ReadFull(f, buf)
		if err != nil && err != io.ErrUnexpectedEOF {
			return err
		}
		if err := m.queueChunk(ctx, o, i, buf[:n]); err != nil {
			return err
		}
	}
	for m.files.inFlight(o) > 0 {
		if err := o.await(ctx); err != nil {
			return err
		}
		report()
	}
	report()
	return nil
}

// crossedStep reports whether progress from prev to done bytes of total
// crossed one of the progressSteps steps or reached the end.
func crossedStep(prev, done, total int64) bool {
	return done == total || prev*progressSteps/total != done*progressSteps/total
}

// fileProgressRow records done bytes in a file row still transferring.
// Progress is advisory: a failure to write it is logged.
func (m *Messenger) fileProgressRow(ctx context.Context, contact store.ContactID, file store.MessageID, done int64) {
	_, err := m.editFile(ctx, contact, file, func(_ store.Message, f *store.FileInfo) bool {
		if f.State != store.FileTransferring || f.Done >= done {
			return false
		}
		f.Done = done
		return true
	})
	if err != nil && ctx.Err() == nil {
		m.log.Warn("cannot record a file's progress", "err", err)
	}
}

// abortSend ends a transfer that stopped with cause: the chunks the home
// has not accepted leave the outbox, the row is marked cancelled (or
// failed, when the cause is not a cancellation), and the contact is told,
// unless it was the contact who cancelled.
func (m *Messenger) abortSend(ctx context.Context, o *outgoing, cause error) {
	bg := context.WithoutCancel(ctx)
	for _, item := range m.files.drop(o) {
		// An item the outbox is depositing right now still arrives; the
		// receiver ignores chunks of a file it no longer expects.
		if err := m.st.Dequeue(bg, item); err != nil {
			m.log.Warn("cannot drop a cancelled file's chunk", "err", err)
		}
	}
	state := store.FileFailed
	if ctx.Err() != nil {
		state = store.FileCancelled
	}
	changed, err := m.endFileRow(bg, o.contact, o.file, state)
	if err != nil {
		m.log.Warn("cannot record a file's state", "err", err)
	}
	if changed && !errors.Is(context.Cause(ctx), errPeerCancelled) {
		m.sendFileControl(bg, o.contact, &Content{Kind: KindFileCancel, FileID: o.file})
	}
}

// fileOffer reads f once for its size and hash.
func fileOffer(f *os.File, name string) (*Content, error) {
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return nil, err
	}
	if size > MaxFileSize {
		return nil, fmt.Errorf("chat: file of %d bytes is over the %d-byte limit", size, int64(MaxFileSize))
	}
	c := &Content{Kind: KindFileOffer, Name: name, FileSize: uint64(size),
		FileChunks: uint32((size + ChunkSize - 1) / ChunkSize)}
	copy(c.FileSHA256[:], h.Sum(nil))
	return c, nil
}

// queueChunk encrypts one chunk and queues it, remembering its outbox item
// so that the transfer moves on when the home accepts it.
func (m *Messenger) queueChunk(ctx context.Context, o *outgoing, index uint32, data []byte) error {
	content := &Content{Kind: KindFileChunk, FileID: o.file, ChunkIndex: index, ChunkData: data}
	if err := m.stamp(content); err != nil {
		return err
	}
	if g, err := m.groupOf(ctx, o.contact); err != nil {
		return err
	} else if g != nil {
		return m.queueGroupChunk(ctx, g, o, content)
	}
	m.lockSessions()
	defer m.mu.Unlock()
	c, s, err := m.sendable(ctx, o.contact)
	if err != nil {
		return err
	}
	payload, state, err := m.seal(c, s, content)
	if err != nil {
		return err
	}
	if err := m.files.queued(o, int64(len(data)), func() (int64, error) {
		return m.st.CommitControlSent(ctx, c.ID, state, payload)
	}); err != nil {
		return err
	}
	m.wakeOutbox()
	return nil
}

// sendFileControl sends a file's done, cancel or resume message to a
// contact. It is a best effort: a contact held or without a session gets
// nothing, and a failure is logged.
func (m *Messenger) sendFileControl(ctx context.Context, id store.ContactID, content *Content) {
	if m.groupFileControl(ctx, id, content) {
		return
	}
	c, err := m.st.Contact(ctx, id)
	if err == nil {
		err = m.trySendFileControl(ctx, c, content)
	}
	if err != nil && !errors.Is(err, ErrNoSession) {
		m.log.Warn("cannot answer a file", "err", err)
	}
}

// trySendFileControl is sendFileControl returning its failure; a contact
// held is no failure.
func (m *Messenger) trySendFileControl(ctx context.Context, c store.Contact, content *Content) error {
	if c.Held {
		return nil
	}
	if err := m.stamp(content); err != nil {
		return err
	}
	m.lockSessions()
	defer m.mu.Unlock()
	if err := m.sendControl(ctx, c, content); err != nil {
		return err
	}
	m.wakeOutbox()
	return nil
}
