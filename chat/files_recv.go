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
	"unicode"

	"ratchat/store"
)

// incomingFile is what we keep about a file being received, in a setting
// (encrypted, like every setting) so that a transfer survives a restart.
// The chunks go to Part; Map has one byte per chunk, set when it arrived,
// so a chunk delivered twice is written once and counted once.
type incomingFile struct {
	Name   string
	Size   int64
	Chunks uint32
	SHA256 string
	Part   string
	Map    string
}

func fileSetting(id store.MessageID) string { return "file:" + hex.EncodeToString(id[:]) }

// startIncomingFile prepares the partial file for an offer.
func (m *Messenger) startIncomingFile(ctx context.Context, contact store.ContactID, c *Content) {
	if err := m.prepareIncoming(ctx, c); err != nil {
		m.log.Warn("cannot receive file", "err", err)
	}
}

func (m *Messenger) prepareIncoming(ctx context.Context, c *Content) error {
	if c.FileSize > MaxFileSize {
		return fmt.Errorf("chat: offered file of %d bytes is too large", c.FileSize)
	}
	if err := os.MkdirAll(m.cfg.Downloads, 0o700); err != nil {
		return err
	}
	part, err := os.CreateTemp(m.cfg.Downloads, ".incoming-*.part")
	if err != nil {
		return err
	}
	defer part.Close()
	if err := part.Truncate(int64(c.FileSize)); err != nil {
		return err
	}
	bitmap := part.Name() + ".map"
	if err := os.WriteFile(bitmap, make([]byte, c.FileChunks), 0o600); err != nil {
		return err
	}
	f := incomingFile{Name: SanitizeFileName(c.Name), Size: int64(c.FileSize), Chunks: c.FileChunks,
		SHA256: hex.EncodeToString(c.FileSHA256[:]), Part: part.Name(), Map: bitmap}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return m.st.SetSetting(ctx, fileSetting(c.FileID), string(b))
}

// receiveChunk writes one chunk in place and finishes the file once every
// chunk is there and its hash matches the offer's.
func (m *Messenger) receiveChunk(ctx context.Context, contact store.ContactID, c *Content) error {
	v, err := m.st.Setting(ctx, fileSetting(c.FileID))
	if errors.Is(err, store.ErrNotFound) {
		return nil // no offer: a chunk of a file we refused or finished
	}
	if err != nil {
		return err
	}
	var f incomingFile
	if err := json.Unmarshal([]byte(v), &f); err != nil {
		return err
	}
	if !f.validChunk(c) {
		m.log.Warn("dropping a chunk that does not fit its file")
		return nil
	}
	done, err := f.write(c)
	if err != nil {
		return err
	}
	m.events.emit(FileProgress{Contact: contact, File: c.FileID, Done: min(int64(done)*ChunkSize, f.Size), Total: f.Size})
	if done < f.Chunks {
		return nil
	}
	path, err := f.finish(m.cfg.Downloads)
	if err != nil { // the error names no file: peer-chosen names stay out of logs
		m.log.Warn("received file rejected", "err", err)
	}
	if err := m.st.DeleteSetting(ctx, fileSetting(c.FileID)); err != nil {
		return err
	}
	info := store.FileInfo{Name: f.Name, Size: f.Size, Done: f.Size, Path: path, State: store.FileComplete}
	if path == "" {
		info.State = store.FileFailed
	}
	m.updateFile(contact, c.FileID, info)
	if path != "" {
		m.events.emit(FileReceived{Contact: contact, File: c.FileID, Path: path})
	}
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

// write stores a chunk and returns how many distinct chunks have arrived.
func (f *incomingFile) write(c *Content) (uint32, error) {
	bitmap, err := os.ReadFile(f.Map)
	if err != nil {
		return 0, fmt.Errorf("chat: transfer map: %w", err)
	}
	if uint32(len(bitmap)) != f.Chunks {
		return 0, fmt.Errorf("chat: transfer map of %d bytes, want %d", len(bitmap), f.Chunks)
	}
	if bitmap[c.ChunkIndex] == 0 {
		part, err := os.OpenFile(f.Part, os.O_WRONLY, 0)
		if err != nil {
			return 0, err
		}
		_, err = part.WriteAt(c.ChunkData, int64(c.ChunkIndex)*ChunkSize)
		if cerr := part.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
		bitmap[c.ChunkIndex] = 1
		if err := os.WriteFile(f.Map, bitmap, 0o600); err != nil {
			return 0, err
		}
	}
	var n uint32
	for _, b := range bitmap {
		n += uint32(b)
	}
	return n, nil
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

// SanitizeFileName makes a peer-supplied file name safe to create in the
// downloads folder: no folders, no control or formatting characters, no
// leading dot (hidden files), at most 100 characters.
func SanitizeFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "/" || name == "." {
		name = ""
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '/' || r == 0 || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	out := strings.TrimLeft(strings.TrimSpace(b.String()), ".")
	if r := []rune(out); len(r) > 100 {
		out = string(r[:100])
	}
	if out == "" {
		out = "file"
	}
	return out
}

// uniquePath returns dir/name, or dir/"stem (n).ext" if that exists.
func uniquePath(dir, name string) string {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	path := filepath.Join(dir, name)
	for n := 1; ; n++ {
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			return path
		}
		path = filepath.Join(dir, fmt.Sprintf("%s (%d)%s", stem, n, ext))
	}
}
