package chat

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"ratchat/store"
)

// This file is the resume protocol: a file that waited for the user's
// acceptance and dropped the chunks it could not hold (files_held.go) gets
// them again once accepted.
//
//  1. The receiver, once the user accepted the file and the sender's stream
//     is over (its last chunk arrived, held, dropped or written), sends a
//     [KindFileResume] naming the first chunk it lacks, K. Like any
//     message it waits in the outbox while the sender is offline. A
//     request is asked only once the user accepts it as a contact (nothing
//     goes to a request).
//  2. The sender finds its outgoing row, which keeps the file's source path
//     and the offer's hash ([store.FileInfo]), so this works after a
//     restart. If the row is still transferring (not yet confirmed) and
//     the file at the path still has the offer's size and hash, it sends
//     chunks K to the end as it sent the first time. Otherwise nothing of
//     the file is sent: a cancelled row answers [KindFileCancel]; a file
//     gone or changed fails the row and answers a [KindFileDone] without
//     FileOK, which fails the receiver's row.
//  3. The receiver writes the chunks as they come and ends as always: it
//     checks the whole file's hash and confirms, and the sender's row reads
//     complete (✓✓).

// askRest asks the sender of f for the chunks f lacks, once f is accepted,
// chunks were dropped while it waited, the sender's stream is over and it
// was not asked yet. A request is asked once it is accepted.
func (m *Messenger) askRest(ctx context.Context, contact store.ContactID, id store.MessageID, f *incomingFile) error {
	if f.Waiting || !f.Dropped || !f.Ended || f.Asked {
		return nil
	}
	c, err := m.st.Contact(ctx, contact)
	if err != nil {
		return err
	}
	if c.State != store.StateContact || c.Held {
		return nil // askPendingResumes asks once the request is accepted
	}
	from, err := f.firstMissing()
	if err != nil || from == f.Chunks {
		return err
	}
	err = m.trySendFileControl(ctx, c, &Content{Kind: KindFileResume, FileID: id, ChunkIndex: from})
	if errors.Is(err, ErrNoSession) {
		return nil // asked on a later chunk or acceptance, once there is a session
	}
	if err != nil {
		return err
	}
	f.Asked = true
	return m.saveIncoming(ctx, id, f)
}

// repointFiles gives the files being received from a request merged into
// contact (AcceptAsKeyChange) to the contact, whose chat now holds their
// rows, and asks for what they lack.
func (m *Messenger) repointFiles(ctx context.Context, request, contact store.ContactID) error {
	m.files.recvMu.Lock()
	settings, err := m.st.Settings(ctx)
	if err == nil {
		for name, v := range settings {
			var f incomingFile
			if !strings.HasPrefix(name, "file:") || json.Unmarshal([]byte(v), &f) != nil || f.Contact != request {
				continue
			}
			f.Contact = contact
			b, merr := json.Marshal(&f)
			if err = errors.Join(merr, m.st.SetSetting(ctx, name, string(b))); err != nil {
				break
			}
		}
	}
	m.files.recvMu.Unlock()
	if err != nil {
		return err
	}
	return m.askPendingResumes(ctx, contact)
}

// askPendingResumes asks for the rest of the files of contact accepted
// while it was a message request (see askRest).
func (m *Messenger) askPendingResumes(ctx context.Context, contact store.ContactID) error {
	m.files.recvMu.Lock()
	defer m.files.recvMu.Unlock()
	settings, err := m.st.Settings(ctx)
	if err != nil {
		return err
	}
	for name, v := range settings {
		hexID, ok := strings.CutPrefix(name, "file:")
		var f incomingFile
		if !ok || json.Unmarshal([]byte(v), &f) != nil || f.Contact != contact {
			continue
		}
		var id store.MessageID
		if b, err := hex.DecodeString(hexID); err != nil || len(b) != len(id) {
			continue
		} else {
			copy(id[:], b)
		}
		if err := m.askRest(ctx, contact, id, &f); err != nil {
			return err
		}
	}
	return nil
}

// applyResumeRefused takes the sender's answer that it cannot send a file
// again (a [KindFileDone] without FileOK for an incoming row): what was
// received is deleted and the row fails.
func (m *Messenger) applyResumeRefused(ctx context.Context, contact store.ContactID, c *Content) error {
	if c.FileOK {
		return nil // only a receiver confirms a file
	}
	m.files.recvMu.Lock()
	err := m.dropIncoming(ctx, contact, c.FileID)
	m.files.recvMu.Unlock()
	if err != nil {
		return err
	}
	_, err = m.endFileRow(ctx, contact, c.FileID, store.FileFailed)
	return ignoreGone(err)
}

// applyFileResume takes the receiver's request to send a file again from a
// chunk on: it starts the resend in the background, or answers at once
// when the file is no longer being sent.
func (m *Messenger) applyFileResume(ctx context.Context, contact store.ContactID, c *Content) error {
	msg, err := m.st.Message(ctx, contact, c.FileID)
	if err != nil {
		return ignoreGone(err)
	}
	if msg.Kind != store.KindFile || msg.File == nil || msg.Direction != store.Outgoing {
		return nil
	}
	switch msg.File.State {
	case store.FileTransferring:
		m.run(func(ctx context.Context) { m.resendFile(ctx, contact, c.FileID, c.ChunkIndex) })
	case store.FileCancelled:
		m.sendFileControl(ctx, contact, &Content{Kind: KindFileCancel, FileID: c.FileID})
	case store.FileFailed:
		m.sendFileControl(ctx, contact, &Content{Kind: KindFileDone, FileID: c.FileID})
	}
	return nil // complete: the receiver has it, and its confirmation is on its way
}

// resendFile sends a file's chunks again from chunk from on, from its
// source, if the file is still the one offered; otherwise the file fails
// on both sides. One resend of a file runs at a time, after the first
// transfer ended.
func (m *Messenger) resendFile(ctx context.Context, contact store.ContactID, file store.MessageID, from uint32) {
	if !m.files.claimResend(file) {
		m.log.Warn("a file asked for again while it is being sent again, or too often: ignored")
		return
	}
	defer m.files.releaseResend(file)
	if o := m.files.active(file); o != nil {
		select {
		case <-o.ended:
		case <-ctx.Done():
			return
		}
	}
	msg, err := m.st.Message(ctx, contact, file)
	if err != nil || msg.File == nil || msg.File.State != store.FileTransferring {
		return
	}
	src, err := openUnchanged(msg.File)
	if err != nil {
		m.log.Warn("cannot send a file again", "err", err)
		if changed, err := m.endFileRow(ctx, contact, file, store.FileFailed); err == nil && changed {
			m.sendFileControl(ctx, contact, &Content{Kind: KindFileDone, FileID: file})
		}
		return
	}
	defer src.Close()
	offer := &Content{Kind: KindFileOffer, FileID: file, FileSize: uint64(msg.File.Size),
		FileChunks: uint32((msg.File.Size + ChunkSize - 1) / ChunkSize)}
	if from >= offer.FileChunks {
		return // nothing to send: the receiver has it all
	}
	m.streamAgain(ctx, contact, file, src, offer, from)
}

// streamAgain sends offer's chunks from chunk from on, as SendFile does. A
// transfer cut short by the end of the process is left marked, so that the
// next start fails it on both sides (endInterruptedSends).
func (m *Messenger) streamAgain(ctx context.Context, contact store.ContactID, file store.MessageID, src io.ReadSeeker, offer *Content, from uint32) {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	o := m.files.begin(contact, file, cancel)
	defer m.files.end(o)
	// A cancellation that came between the check of the row and begin
	// found no transfer to stop: look again now that it would find one.
	if msg, err := m.st.Message(ctx, contact, file); err != nil || msg.File == nil || msg.File.State != store.FileTransferring {
		return
	}
	if err := m.st.SetSetting(ctx, sendingSetting(file), fmt.Sprint(contact)); err != nil {
		m.log.Warn("cannot send a file again", "err", err)
		return
	}
	err := m.sendChunks(sctx, o, src, offer, from, nil)
	if ctx.Err() != nil {
		return // the messenger is closing
	}
	if err != nil {
		m.abortSend(sctx, o, err)
	}
	if err := m.st.DeleteSetting(ctx, sendingSetting(file)); err != nil {
		m.log.Warn("cannot clear a finished transfer", "err", err)
	}
}

// openUnchanged opens an outgoing file's source and checks that it still
// has the size and the hash its offer announced, so that nothing but the
// file the user offered is ever sent. It wraps [ErrFileChanged] when the
// file is gone or differs.
func openUnchanged(info *store.FileInfo) (*os.File, error) {
	if info.Source == "" {
		return nil, fmt.Errorf("%w: the row keeps no source", ErrFileChanged)
	}
	f, err := os.Open(info.Source)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFileChanged, err)
	}
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err == nil && (size != info.Size || !bytes.Equal(h.Sum(nil), info.SHA256[:])) {
		err = errors.New("size or hash differs")
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %w", ErrFileChanged, err)
	}
	return f, nil
}
