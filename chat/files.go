package chat

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"ratchat/store"
)

// MaxFileSize bounds a file sent or accepted: 4 GiB.
const MaxFileSize = 4 << 30

// SendFile sends the file at path to a contact: an offer (name, size,
// chunk count, SHA-256), which is part of the history, then the file in
// chunks of [ChunkSize], each its own ratchet message and so authenticated
// on its own; the receiver checks the whole file's hash at the end.
// progress, if not nil, is called after each chunk is queued. Cancelling
// ctx stops queueing chunks.
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
	if err := m.stamp(offer); err != nil {
		return store.Message{}, err
	}
	offer.FileID = offer.ID
	msg, err := m.sendMessage(ctx, id, offer, func(msg *store.Message) {
		msg.Kind, msg.File = store.KindFile, &store.FileInfo{Name: offer.Name, Size: int64(offer.FileSize)}
	})
	if err != nil {
		return store.Message{}, err
	}
	info := *msg.File
	defer func() {
		info.State = store.FileComplete
		if err := ctx.Err(); err != nil {
			info.State = store.FileCancelled
		} else if info.Done < info.Size {
			info.State = store.FileFailed
		}
		m.updateFile(id, offer.ID, info)
	}()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return msg, err
	}
	buf := make([]byte, ChunkSize)
	for i := uint32(0); i < offer.FileChunks; i++ {
		if err := ctx.Err(); err != nil {
			return msg, err
		}
		n, err := io.ReadFull(f, buf)
		if err != nil && err != io.ErrUnexpectedEOF {
			return msg, err
		}
		if err := m.sendChunk(ctx, id, offer.ID, i, buf[:n]); err != nil {
			return msg, err
		}
		done := min(int64(i+1)*ChunkSize, int64(offer.FileSize))
		info.Done = done
		m.events.emit(FileProgress{Contact: id, File: offer.ID, Outgoing: true, Done: done, Total: int64(offer.FileSize)})
		if progress != nil {
			progress(done, int64(offer.FileSize))
		}
	}
	return msg, nil
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

// sendChunk queues one chunk.
func (m *Messenger) sendChunk(ctx context.Context, id store.ContactID, file store.MessageID, index uint32, data []byte) error {
	content := &Content{Kind: KindFileChunk, FileID: file, ChunkIndex: index, ChunkData: data}
	if err := m.stamp(content); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, s, err := m.sendable(ctx, id)
	if err != nil {
		return err
	}
	if err := m.sendControlWith(ctx, c, s, content); err != nil {
		return err
	}
	m.wakeOutbox()
	return nil
}

// updateFile records a file row's new state and reports the row anew. It
// runs when a transfer ends, whatever ended it, so a failure to write is
// logged rather than returned.
func (m *Messenger) updateFile(id store.ContactID, file store.MessageID, info store.FileInfo) {
	msg, err := m.st.UpdateFile(context.Background(), id, file, info)
	if err != nil {
		m.log.Warn("cannot record a file's state", "err", err)
		return
	}
	m.events.emit(MessageStored{Contact: id, Message: msg})
}
