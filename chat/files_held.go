package chat

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"ratchat/store"
)

// This file is the consent side of receiving a file: an offer that waits
// for the user ([store.FileWaiting]) writes nothing to the downloads
// folder. Its first chunks, up to the held limit, are kept in the
// (encrypted) store; the chunks beyond it are dropped, and the file
// remembers that it dropped some. [Messenger.AcceptFile] writes what was
// held and, when chunks were dropped, asks the sender for the rest
// (files_resume.go).

func heldPrefix(id store.MessageID) string { return "filechunk:" + hex.EncodeToString(id[:]) + ":" }

// heldLimit is how many bytes of chunks a waiting file may hold.
func (m *Messenger) heldLimit() int64 {
	if m.cfg.heldLimit > 0 {
		return m.cfg.heldLimit
	}
	return maxHeldBytes
}

// holdChunk keeps a valid chunk of a waiting file in the store, if it is
// among the first the file may hold, and drops it otherwise; either way
// the offer goes on waiting. It reports the bytes held as progress.
func (m *Messenger) holdChunk(ctx context.Context, contact store.ContactID, c *Content, f *incomingFile) error {
	heldChunks := uint32(m.heldLimit() / ChunkSize)
	changed := false
	if c.ChunkIndex == f.Chunks-1 && !f.Ended {
		f.Ended, changed = true, true
	}
	if c.ChunkIndex >= heldChunks {
		if !f.Dropped {
			m.log.Info("a file waiting for acceptance holds no more chunks: the rest will be asked for on acceptance")
			f.Dropped, changed = true, true
		}
	} else if err := m.st.SetSetting(ctx, heldPrefix(c.FileID)+fmt.Sprint(c.ChunkIndex), hex.EncodeToString(c.ChunkData)); err != nil {
		return err
	}
	if changed {
		if err := m.saveIncoming(ctx, c.FileID, f); err != nil {
			return err
		}
	}
	held := f.bytes(min(c.ChunkIndex+1, heldChunks))
	m.events.emit(FileProgress{Contact: contact, File: c.FileID, Done: held, Total: f.Size})
	return nil
}

// dropHeld deletes the chunks held for a waiting file.
func (m *Messenger) dropHeld(ctx context.Context, id store.MessageID) error {
	settings, err := m.st.Settings(ctx)
	if err != nil {
		return err
	}
	for name := range settings {
		if strings.HasPrefix(name, heldPrefix(id)) {
			if err := m.st.DeleteSetting(ctx, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// AcceptFile accepts a file offer that waits for the user's acceptance
// ([store.FileWaiting]): its partial file is created in the downloads
// folder, the chunks held meanwhile are written to it, and the rest are
// written as they come. When chunks were dropped while it waited (the
// file is larger than a waiting file may hold), the sender is asked to
// send them again once its stream is over ([KindFileResume]); a sender
// that no longer has the file as offered answers so, and the file fails.
//
// It returns [ErrNoTransfer] when the row is not a waiting file (a second
// acceptance included), and wraps [ErrDownloadsFull] when the file does
// not fit the downloads quota (the file then fails, and the sender is
// told).
func (m *Messenger) AcceptFile(ctx context.Context, contact store.ContactID, file store.MessageID) error {
	m.files.recvMu.Lock()
	defer m.files.recvMu.Unlock()
	f, err := m.waitingFile(ctx, contact, file)
	if err != nil {
		return err
	}
	if err := m.createPart(f); err != nil {
		if ferr := m.removeIncoming(ctx, file, f); ferr != nil {
			return ferr
		}
		if ferr := m.failIncoming(ctx, contact, file); ferr != nil {
			return ferr
		}
		return err
	}
	f.Waiting = false
	n, err := m.writeHeld(ctx, file, f)
	if err != nil {
		return err
	}
	if err := m.saveIncoming(ctx, file, f); err != nil {
		return err
	}
	if _, err := m.editFile(ctx, contact, file, func(_ store.Message, info *store.FileInfo) bool {
		info.State, info.Done = store.FileTransferring, f.bytes(n)
		return true
	}); err != nil {
		return err
	}
	if n == f.Chunks {
		return m.completeIncoming(ctx, contact, file, f)
	}
	return m.askRest(ctx, contact, file, f)
}

// waitingFile returns the file behind a row that waits for acceptance, or
// [ErrNoTransfer].
func (m *Messenger) waitingFile(ctx context.Context, contact store.ContactID, file store.MessageID) (*incomingFile, error) {
	msg, err := m.st.Message(ctx, contact, file)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoTransfer
	}
	if err != nil {
		return nil, err
	}
	if msg.Kind != store.KindFile || msg.File == nil || msg.File.State != store.FileWaiting || msg.Direction != store.Incoming {
		return nil, ErrNoTransfer
	}
	f, ok, err := m.incomingFrom(ctx, contact, file)
	if err != nil {
		return nil, err
	}
	if !ok || !f.Waiting {
		return nil, ErrNoTransfer
	}
	return f, nil
}

// writeHeld writes the chunks held for a file just accepted to its part,
// deletes them from the store, and returns how many distinct chunks the
// part has.
func (m *Messenger) writeHeld(ctx context.Context, file store.MessageID, f *incomingFile) (uint32, error) {
	settings, err := m.st.Settings(ctx)
	if err != nil {
		return 0, err
	}
	var n uint32
	for name, v := range settings {
		idx, found := strings.CutPrefix(name, heldPrefix(file))
		if !found {
			continue
		}
		c := Content{FileID: file}
		if _, err := fmt.Sscan(idx, &c.ChunkIndex); err != nil {
			continue
		}
		if c.ChunkData, err = hex.DecodeString(v); err != nil || !f.validChunk(&c) {
			continue
		}
		if n, _, err = f.write(&c); err != nil {
			return 0, err
		}
	}
	return n, m.dropHeld(ctx, file)
}
