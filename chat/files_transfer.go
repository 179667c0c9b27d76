package chat

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"

	"ratchat/store"
)

// transfers keeps the files being sent, so that the outbox can tell a
// transfer that its contact's home accepted a chunk, and a cancellation
// can reach the SendFile that runs it.
type transfers struct {
	mu     sync.Mutex
	out    map[store.MessageID]*outgoing
	byItem map[int64]*outgoing
	// rowMu serializes the read-modify-write of file rows, so that a late
	// progress update never undoes a completion or a cancellation.
	rowMu sync.Mutex
	// recvMu serializes the chunks of received files with AcceptFile, so
	// that a chunk held while a file waited is not lost as it is accepted.
	recvMu sync.Mutex
	// resending holds the files being sent again (files_resume.go), so
	// that a request repeated meanwhile starts no second resend; resends
	// counts the resends of each file since the start, at most
	// maxResends. Guarded by mu.
	resending map[store.MessageID]bool
	resends   map[store.MessageID]int
}

// maxResends bounds how often one file is sent again in one run of the
// process. Why: the requests come from the contact, and a hostile one must
// not make us upload a large file over and over; an honest receiver asks
// once.
const maxResends = 3

// outgoing is one file being sent.
type outgoing struct {
	contact store.ContactID
	file    store.MessageID
	cancel  context.CancelCauseFunc
	moved   chan struct{} // a chunk was accepted (capacity 1)
	ended   chan struct{} // closed when SendFile has recorded how it ended
	// Guarded by transfers.mu.
	pending   map[int64]int64 // outbox item → bytes of its chunk
	deposited int64
}

// begin registers a transfer.
func (t *transfers) begin(contact store.ContactID, file store.MessageID, cancel context.CancelCauseFunc) *outgoing {
	o := &outgoing{contact: contact, file: file, cancel: cancel, pending: map[int64]int64{},
		moved: make(chan struct{}, 1), ended: make(chan struct{})}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.out == nil {
		t.out, t.byItem = map[store.MessageID]*outgoing{}, map[int64]*outgoing{}
	}
	t.out[file] = o
	return o
}

// claimResend marks file as being sent again; false if it already is, or
// was sent again maxResends times.
func (t *transfers) claimResend(file store.MessageID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.resending[file] || t.resends[file] >= maxResends {
		return false
	}
	if t.resending == nil {
		t.resending, t.resends = map[store.MessageID]bool{}, map[store.MessageID]int{}
	}
	t.resending[file] = true
	t.resends[file]++
	return true
}

// releaseResend ends what claimResend started.
func (t *transfers) releaseResend(file store.MessageID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.resending, file)
}

// end forgets a transfer and wakes whoever waits for it to end.
func (t *transfers) end(o *outgoing) {
	t.mu.Lock()
	delete(t.out, o.file)
	for item := range o.pending {
		delete(t.byItem, item)
	}
	t.mu.Unlock()
	close(o.ended)
}

// active returns the transfer of file, if SendFile is running it.
func (t *transfers) active(file store.MessageID) *outgoing {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out[file]
}

// queued runs commit, which queues a chunk of bytes and returns its outbox
// item, and records the item. The lock is held across commit so that the
// outbox cannot report the item accepted before it is known here.
func (t *transfers) queued(o *outgoing, bytes int64, commit func() (int64, error)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	item, err := commit()
	if err != nil {
		return err
	}
	o.pending[item] = bytes
	t.byItem[item] = o
	return nil
}

// accepted records that a contact's home accepted outbox item, if it
// carried a chunk of a file being sent.
func (t *transfers) accepted(item int64) {
	t.mu.Lock()
	o := t.byItem[item]
	if o != nil {
		delete(t.byItem, item)
		o.deposited += o.pending[item]
		delete(o.pending, item)
	}
	t.mu.Unlock()
	if o != nil {
		select {
		case o.moved <- struct{}{}:
		default:
		}
	}
}

// inFlight counts o's chunks queued and not yet accepted.
func (t *transfers) inFlight(o *outgoing) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(o.pending)
}

// deposited returns the bytes of o the home has accepted.
func (t *transfers) deposited(o *outgoing) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return o.deposited
}

// drop returns o's outbox items not yet accepted, and forgets them.
func (t *transfers) drop(o *outgoing) []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	items := make([]int64, 0, len(o.pending))
	for item := range o.pending {
		items = append(items, item)
		delete(t.byItem, item)
	}
	clear(o.pending)
	return items
}

// await waits until the home accepts another chunk or ctx ends.
func (o *outgoing) await(ctx context.Context) error {
	select {
	case <-o.moved:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// chunkDeposited is called by the outbox once a contact's home accepted an
// item: a file being sent counts the chunk as transferred only then.
func (m *Messenger) chunkDeposited(item int64) { m.files.accepted(item) }

// CancelFile cancels the transfer of a file, sent or received, identified
// by its row's message id: this side's row becomes [store.FileCancelled]
// (the chunks not yet sent leave the outbox; a partial download is
// deleted) and the contact is told, so that its row reads cancelled too.
// It returns [ErrNoTransfer] when the row is not a file still transferring.
func (m *Messenger) CancelFile(ctx context.Context, contact store.ContactID, file store.MessageID) error {
	msg, err := m.st.Message(ctx, contact, file)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoTransfer
	}
	if err != nil {
		return err
	}
	if msg.Kind != store.KindFile || msg.File == nil || (msg.File.State != store.FileTransferring && msg.File.State != store.FileWaiting) {
		return ErrNoTransfer
	}
	if msg.Direction == store.Incoming {
		if err := m.dropIncoming(ctx, contact, file); err != nil {
			return err
		}
	} else if o := m.files.active(file); o != nil {
		o.cancel(context.Canceled) // SendFile marks the row and tells the contact
		select {
		case <-o.ended:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// The row may still be transferring: every chunk was sent and the
	// receiver has not answered yet, or SendFile ended with the profile.
	changed, err := m.endFileRow(ctx, contact, file, store.FileCancelled)
	if err != nil {
		return err
	}
	if changed {
		m.sendFileControl(ctx, contact, &Content{Kind: KindFileCancel, FileID: file})
	}
	return nil
}

// applyFileDone takes the receiver's answer about a file we sent: complete
// when it was whole and saved (whatever this side thought meanwhile: the
// receiver has it), failed otherwise. About a file we receive, it is the
// sender's answer that it cannot send the file again (files_resume.go).
func (m *Messenger) applyFileDone(ctx context.Context, contact store.ContactID, c *Content) error {
	msg, err := m.st.Message(ctx, contact, c.FileID)
	if err != nil {
		return ignoreGone(err)
	}
	if msg.Direction == store.Incoming {
		return m.applyResumeRefused(ctx, contact, c)
	}
	_, err = m.editFile(ctx, contact, c.FileID, func(msg store.Message, f *store.FileInfo) bool {
		switch {
		case msg.Direction != store.Outgoing || f.State == store.FileComplete:
			return false
		case c.FileOK:
			f.State, f.Done = store.FileComplete, f.Size
		case f.State == store.FileTransferring && m.stopSending(contact, c.FileID):
			f.State = store.FileFailed
		case f.State == store.FileTransferring:
			f.State = store.FileFailed
		default:
			return false
		}
		return true
	})
	return ignoreGone(err)
}

// applyFileCancel takes the contact's cancellation of a file, sent or
// received: sending stops, a partial download is deleted, the row reads
// cancelled.
func (m *Messenger) applyFileCancel(ctx context.Context, contact store.ContactID, c *Content) error {
	msg, err := m.st.Message(ctx, contact, c.FileID)
	if err != nil || msg.Kind != store.KindFile {
		return ignoreGone(err)
	}
	switch msg.Direction {
	case store.Incoming:
		if err := m.dropIncoming(ctx, contact, c.FileID); err != nil {
			return err
		}
	case store.Outgoing:
		if o := m.files.active(c.FileID); o != nil && o.contact == contact {
			o.cancel(errPeerCancelled)
		}
	}
	_, err = m.endFileRow(ctx, contact, c.FileID, store.FileCancelled)
	return ignoreGone(err)
}

// endFileRow moves a file row still transferring to state, and reports
// whether it did.
func (m *Messenger) endFileRow(ctx context.Context, contact store.ContactID, file store.MessageID, state store.FileState) (bool, error) {
	return m.editFile(ctx, contact, file, func(_ store.Message, f *store.FileInfo) bool {
		if f.State != store.FileTransferring && f.State != store.FileWaiting {
			return false
		}
		f.State = state
		return true
	})
}

// editFile changes a file row with change, which reports whether it
// changed anything, and reports a changed row anew as a [MessageStored].
func (m *Messenger) editFile(ctx context.Context, contact store.ContactID, file store.MessageID, change func(store.Message, *store.FileInfo) bool) (bool, error) {
	m.files.rowMu.Lock()
	defer m.files.rowMu.Unlock()
	msg, err := m.st.Message(ctx, contact, file)
	if err != nil {
		return false, err
	}
	if msg.Kind != store.KindFile || msg.File == nil {
		return false, nil
	}
	info := *msg.File
	if !change(msg, &info) {
		return false, nil
	}
	if msg, err = m.st.UpdateFile(ctx, contact, file, info); err != nil {
		return false, err
	}
	m.events.emit(MessageStored{Contact: contact, Message: msg})
	return true, nil
}

// ignoreGone treats a file row that no longer exists (it expired, or was
// deleted) as nothing to do.
func ignoreGone(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// sendingPrefix names the settings that mark a file being sent, so that a
// transfer cut short by the end of the process is ended at the next start.
const sendingPrefix = "sending:"

func sendingSetting(id store.MessageID) string { return sendingPrefix + hex.EncodeToString(id[:]) }

// endInterruptedSends fails the files whose SendFile did not end before the
// process did (no transfer resumes) and tells their receivers, who delete
// what they received. A receiver that got every chunk anyway confirms the
// file, which then reads complete.
func (m *Messenger) endInterruptedSends(ctx context.Context, settings map[string]string) {
	for name, v := range settings {
		hexID, ok := strings.CutPrefix(name, sendingPrefix)
		if !ok {
			continue
		}
		var file store.MessageID
		b, err := hex.DecodeString(hexID)
		contact, cerr := strconv.ParseInt(v, 10, 64)
		if err == nil && cerr == nil && len(b) == len(file) {
			copy(file[:], b)
			id := store.ContactID(contact)
			if changed, err := m.endFileRow(ctx, id, file, store.FileFailed); err == nil && changed {
				m.sendFileControl(ctx, id, &Content{Kind: KindFileCancel, FileID: file})
			}
		}
		if err := m.st.DeleteSetting(ctx, name); err != nil {
			m.log.Warn("cannot clear an interrupted transfer", "err", err)
		}
	}
}

// stopSending stops sending a file the receiver failed (it would throw
// away every further chunk); it always reports true.
func (m *Messenger) stopSending(contact store.ContactID, file store.MessageID) bool {
	if o := m.files.active(file); o != nil && o.contact == contact {
		o.cancel(errPeerFailed)
	}
	return true
}
