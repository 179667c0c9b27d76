package chat

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"ratchat/store"
)

// incomingFile is what we keep about a file being received, in a setting
// (encrypted, like every setting) so that a transfer survives a restart.
// The chunks go to Part; Map has one byte per chunk, set when it arrived,
// so a chunk delivered twice is written once and counted once.
type incomingFile struct {
	// Contact is who offered the file: only its chunks and its cancel
	// count (0 in settings written before it was kept: anyone's).
	Contact store.ContactID `json:",omitempty"`
	Name    string
	Size    int64
	Chunks  uint32
	SHA256  string
	Part    string
	Map     string
	// Waiting is set while the offer waits for the user's acceptance:
	// there is no Part yet, and the chunks that arrive are held in the
	// (encrypted) store, the first maxHeldBytes of them, until AcceptFile
	// (see files_held.go).
	Waiting bool `json:",omitempty"`
	// Dropped is set once chunks of the waiting file arrived past what it
	// may hold and were dropped; Ended once its last chunk arrived (held,
	// dropped or written), so that the sender's stream is over; Asked once
	// the sender was asked for the rest ([KindFileResume], files_resume.go).
	Dropped bool `json:",omitempty"`
	Ended   bool `json:",omitempty"`
	Asked   bool `json:",omitempty"`
}

// Consent and quota policy for received files.
const (
	// maxHeldBytes bounds what a waiting offer may hold before it is
	// accepted (Config.heldLimit lowers it in tests): a larger file's
	// chunks beyond it are dropped, and once the user accepts the file its
	// sender is asked to send them again ([KindFileResume]). A stranger's
	// offer thus costs at most this much, in the store, never in the
	// downloads folder.
	maxHeldBytes = 16 << 20
	// DownloadsQuota is how many bytes the downloads folder may hold by
	// default (see [Config.DownloadsQuota]): an offer that would take it
	// past this fails at once.
	DownloadsQuota = 4 << 30
)

// acceptsFiles reports whether c's file offers download by themselves:
// never a message request's; a contact's by its files policy, by default
// only a verified contact's.
func acceptsFiles(c store.Contact) bool {
	if c.State != store.StateContact {
		return false
	}
	switch c.Files {
	case store.FilesAuto:
		return true
	case store.FilesAsk:
		return false
	}
	return c.Verified
}

func fileSetting(id store.MessageID) string { return "file:" + hex.EncodeToString(id[:]) }

// partPattern names partial downloads in the downloads folder; each has a
// chunk map of the same name with mapSuffix.
const (
	partPattern = ".incoming-*.part"
	mapSuffix   = ".map"
)

// startIncomingFile prepares the partial file for an offer. A file that
// cannot be received (too large, the disk refuses) fails at once, and the
// sender is told.
// The offer is stored already (a redelivery would be a duplicate), so a
// failure here is logged, not returned.
func (m *Messenger) startIncomingFile(ctx context.Context, from store.Contact, c *Content) {
	contact := from.ID
	f, err := m.prepareIncoming(ctx, contact, c, !acceptsFiles(from))
	if err != nil {
		m.log.Warn("cannot receive file", "err", err)
		err = m.failIncoming(ctx, contact, c.FileID)
	} else if f.Chunks == 0 && !f.Waiting { // an empty file: no chunk will come
		err = m.completeIncoming(ctx, contact, c.FileID, f)
	}
	if err != nil {
		m.log.Warn("cannot record a file's state", "err", err)
	}
}

func (m *Messenger) prepareIncoming(ctx context.Context, contact store.ContactID, c *Content, waiting bool) (*incomingFile, error) {
	if c.FileSize > MaxFileSize {
		return nil, fmt.Errorf("chat: offered file of %d bytes is too large", c.FileSize)
	}
	f := &incomingFile{Contact: contact, Name: SanitizeFileName(c.Name), Size: int64(c.FileSize), Chunks: c.FileChunks,
		SHA256: hex.EncodeToString(c.FileSHA256[:]), Waiting: waiting}
	if !waiting {
		if err := m.createPart(f); err != nil {
			return nil, err
		}
	}
	return f, m.saveIncoming(ctx, c.FileID, f)
}

// downloadsUsed is how many bytes the files in the downloads folder take.
func (m *Messenger) downloadsUsed() (int64, error) {
	entries, err := os.ReadDir(m.cfg.Downloads)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var used int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			used += info.Size()
		}
	}
	return used, nil
}

// createPart creates f's partial file and chunk map, once the downloads
// quota allows its size.
func (m *Messenger) createPart(f *incomingFile) error {
	used, err := m.downloadsUsed()
	if err != nil {
		return err
	}
	quota := m.cfg.DownloadsQuota
	if quota <= 0 {
		quota = DownloadsQuota
	}
	if used+f.Size > quota {
		return fmt.Errorf("%w: %d bytes offered, %d of %d used", ErrDownloadsFull, f.Size, used, quota)
	}
	if err := os.MkdirAll(m.cfg.Downloads, 0o700); err != nil {
		return err
	}
	part, err := os.CreateTemp(m.cfg.Downloads, partPattern)
	if err != nil {
		return err
	}
	// No space is reserved: the part grows as chunks are written, so an
	// offer's announced size costs nothing until its bytes arrive.
	if err := part.Close(); err != nil {
		return err
	}
	bitmap := part.Name() + mapSuffix
	if err := os.WriteFile(bitmap, make([]byte, f.Chunks), 0o600); err != nil {
		os.Remove(part.Name())
		return err
	}
	f.Part, f.Map = part.Name(), bitmap
	return nil
}

// incomingFrom returns the file being received under id from contact;
// false when there is none (a file refused, finished or cancelled).
func (m *Messenger) incomingFrom(ctx context.Context, contact store.ContactID, id store.MessageID) (*incomingFile, bool, error) {
	v, err := m.st.Setting(ctx, fileSetting(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var f incomingFile
	if err := json.Unmarshal([]byte(v), &f); err != nil {
		return nil, false, err
	}
	if f.Contact != 0 && f.Contact != contact {
		return nil, false, nil // another contact's file: not this one's to touch
	}
	return &f, true, nil
}

// receiveChunk writes one chunk in place and finishes the file once every
// chunk is there. A chunk that does not fit its offer fails the file.
func (m *Messenger) receiveChunk(ctx context.Context, contact store.ContactID, c *Content) error {
	m.files.recvMu.Lock()
	defer m.files.recvMu.Unlock()
	f, ok, err := m.incomingFrom(ctx, contact, c.FileID)
	if err != nil || !ok {
		return err
	}
	if !f.validChunk(c) {
		m.log.Warn("a chunk does not fit its file: the file fails")
		if err := m.removeIncoming(ctx, c.FileID, f); err != nil {
			return err
		}
		return m.failIncoming(ctx, contact, c.FileID)
	}
	if f.Waiting {
		return m.holdChunk(ctx, contact, c, f)
	}
	n, fresh, err := f.write(c)
	if err != nil {
		return err
	}
	done := f.bytes(n)
	m.events.emit(FileProgress{Contact: contact, File: c.FileID, Done: done, Total: f.Size})
	if n == f.Chunks {
		return m.completeIncoming(ctx, contact, c.FileID, f)
	}
	if fresh && crossedStep(f.bytes(n-1), done, f.Size) {
		m.fileProgressRow(ctx, contact, c.FileID, done)
	}
	if c.ChunkIndex == f.Chunks-1 && f.Dropped && !f.Asked {
		// The sender's stream is over and chunks dropped while the file
		// waited are missing: ask for them.
		f.Ended = true
		if err := m.askRest(ctx, contact, c.FileID, f); err != nil {
			return err
		}
		return m.saveIncoming(ctx, c.FileID, f)
	}
	return nil
}

// saveIncoming records what we keep about a file being received.
func (m *Messenger) saveIncoming(ctx context.Context, id store.MessageID, f *incomingFile) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return m.st.SetSetting(ctx, fileSetting(id), string(b))
}

// bytes is how many bytes n distinct chunks hold, at most (the last chunk
// may be short).
func (f *incomingFile) bytes(n uint32) int64 { return min(int64(n)*ChunkSize, f.Size) }

// firstMissing returns the index of the first chunk not yet written, or
// Chunks when every chunk is there.
func (f *incomingFile) firstMissing() (uint32, error) {
	bitmap, err := os.ReadFile(f.Map)
	if err != nil {
		return 0, fmt.Errorf("chat: transfer map: %w", err)
	}
	for i, b := range bitmap {
		if b == 0 && uint32(i) < f.Chunks {
			return uint32(i), nil
		}
	}
	return f.Chunks, nil
}

// completeIncoming checks the whole file's hash, saves it under its final
// name, records the row complete (with where it was saved) or failed, and
// answers the sender, who counts the file delivered only then.
func (m *Messenger) completeIncoming(ctx context.Context, contact store.ContactID, id store.MessageID, f *incomingFile) error {
	path, err := f.finish(m.cfg.Downloads)
	if err != nil { // the error names no file: peer-chosen names stay out of logs
		m.log.Warn("received file rejected", "err", err)
	}
	if err := m.st.DeleteSetting(ctx, fileSetting(id)); err != nil {
		return err
	}
	if path == "" {
		return m.failIncoming(ctx, contact, id)
	}
	_, err = m.editFile(ctx, contact, id, func(_ store.Message, info *store.FileInfo) bool {
		info.State, info.Done, info.Path = store.FileComplete, f.Size, path
		return true
	})
	if ignoreGone(err) != nil {
		return err
	}
	m.sendFileControl(ctx, contact, &Content{Kind: KindFileDone, FileID: id, FileOK: true})
	m.events.emit(FileReceived{Contact: contact, File: id, Path: path})
	return nil
}

// failIncoming marks a received file failed and tells its sender.
func (m *Messenger) failIncoming(ctx context.Context, contact store.ContactID, id store.MessageID) error {
	if _, err := m.endFileRow(ctx, contact, id, store.FileFailed); ignoreGone(err) != nil {
		return err
	}
	m.sendFileControl(ctx, contact, &Content{Kind: KindFileDone, FileID: id})
	return nil
}

// dropIncoming deletes what was received of a file from contact, if it is
// still being received.
func (m *Messenger) dropIncoming(ctx context.Context, contact store.ContactID, id store.MessageID) error {
	f, ok, err := m.incomingFrom(ctx, contact, id)
	if err != nil || !ok {
		return err
	}
	return m.removeIncoming(ctx, id, f)
}

// removeIncoming deletes a partial download and forgets it.
func (m *Messenger) removeIncoming(ctx context.Context, id store.MessageID, f *incomingFile) error {
	if err := m.dropHeld(ctx, id); err != nil {
		return err
	}
	for _, p := range []string{f.Part, f.Map} {
		if p == "" {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			m.log.Warn("cannot delete a partial download", "err", err)
		}
	}
	return m.st.DeleteSetting(ctx, fileSetting(id))
}

// resumeFiles runs at start: partial downloads that no transfer refers to
// (left by a crash, or by a transfer that ended while the file could not
// be deleted) are deleted; transfers under way keep theirs and go on.
// Files we were sending when the process ended are failed.
func (m *Messenger) resumeFiles(ctx context.Context) error {
	settings, err := m.st.Settings(ctx)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for name, v := range settings {
		var f incomingFile
		if strings.HasPrefix(name, "file:") && json.Unmarshal([]byte(v), &f) == nil {
			keep[filepath.Clean(f.Part)], keep[filepath.Clean(f.Map)] = true, true
		}
	}
	for _, pattern := range []string{partPattern, partPattern + mapSuffix} {
		found, err := filepath.Glob(filepath.Join(m.cfg.Downloads, pattern))
		if err != nil {
			return err
		}
		for _, p := range found {
			if !keep[filepath.Clean(p)] {
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					m.log.Warn("cannot delete a partial download", "err", err)
				}
			}
		}
	}
	m.endInterruptedSends(ctx, settings)
	return nil
}

// validChunk checks a chunk's index and length against the offer.
func (f *incomingFile) validChunk(c *Content) bool {
	if c.ChunkIndex >= f.Chunks {
		return false
	}
	want := int64(ChunkSize)
	if c.ChunkIndex == f.Chunks-1 {
		want = f.Size - int64(f.Chunks-1)*ChunkSize
	}
	return int64(len(c.ChunkData)) == want
}

// write stores a chunk and returns how many distinct chunks have arrived,
// and whether this one is new.
func (f *incomingFile) write(c *Content) (uint32, bool, error) {
	bitmap, err := os.ReadFile(f.Map)
	if err != nil {
		return 0, false, fmt.Errorf("chat: transfer map: %w", err)
	}
	if uint32(len(bitmap)) != f.Chunks {
		return 0, false, fmt.Errorf("chat: transfer map of %d bytes, want %d", len(bitmap), f.Chunks)
	}
	fresh := bitmap[c.ChunkIndex] == 0
	if fresh {
		part, err := os.OpenFile(f.Part, os.O_WRONLY, 0)
		if err != nil {
			return 0, false, err
		}
		_, err = part.WriteAt(c.ChunkData, int64(c.ChunkIndex)*ChunkSize)
		if cerr := part.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, false, err
		}
		bitmap[c.ChunkIndex] = 1
		if err := os.WriteFile(f.Map, bitmap, 0o600); err != nil {
			return 0, false, err
		}
	}
	var n uint32
	for _, b := range bitmap {
		n += uint32(b)
	}
	return n, fresh, nil
}

// finish checks the hash and moves the file to its final name; a file
// whose hash differs is deleted.
func (f *incomingFile) finish(dir string) (string, error) {
	defer os.Remove(f.Map)
	part, err := os.Open(f.Part)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, err = io.Copy(h, part)
	part.Close()
	want, _ := hex.DecodeString(f.SHA256)
	if err != nil || subtle.ConstantTimeCompare(h.Sum(nil), want) != 1 {
		os.Remove(f.Part)
		return "", errors.New("chat: a received file does not match its hash (deleted)")
	}
	path := uniquePath(dir, f.Name)
	return path, os.Rename(f.Part, path)
}
