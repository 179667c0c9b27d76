package ui

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
	"ratchat/keys"
)

// t0 is the tests' "now": Saturday 14 March 2026, 15:00 UTC.
var t0 = time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)

// testCommon returns a Common with a fixed clock, in UTC, at a size.
func testCommon(w, h int) Common {
	c := NewCommon()
	c.Now = func() time.Time { return t0 }
	c.Location = time.UTC
	c.After = func(time.Duration, tea.Msg) tea.Cmd { return nil } // see TestNoticesExpire
	c.Terminal = io.Discard
	c.DesktopNotify = nil // never the system's notify-send in a test
	c.SetSize(w, h)
	return c
}

// fakeCore is an in-memory Core for tests. Its methods are safe for the
// goroutines teatest runs commands in.
type fakeCore struct {
	mu        sync.Mutex
	name      string
	home      string
	contacts  []chat.Summary
	msgs      map[chat.ContactID][]chat.Message
	events    chan chat.Event
	sent      []string
	marked    map[chat.ContactID]int64
	verified  map[chat.ContactID]bool
	accepted  []chat.MessageID // files AcceptFile was asked for
	sn        keys.SafetyNumber
	scan      string        // what a scanned QR image holds
	backupKey string        // also the key of automatic backups
	auto      autoState     // see autobackup_test.go
	restoreGo chan struct{} // when set, Restore waits for it halfway
	// otherIdentity makes Restore refuse with chat.ErrOtherIdentity
	// unless forced.
	otherIdentity bool
	restores      int // Restore calls
	pages         int // Messages calls
	viaRelay      bool
	typing        []bool // SetTyping calls, in order
	// See fake_manage_test.go.
	blocked  []chat.Summary // what Blocked lists
	removed  []string       // Remove calls, "id:keep"
	indexing bool           // Search says the index is not complete
	// See fake_group_test.go.
	groups    []chat.GroupInfo
	groupRows []chat.Summary   // the groups' summaries
	created   []chat.GroupInfo // CreateGroup calls
}

var _ Core = (*fakeCore)(nil)

// text is a text row.
func text(seq int64, dir chat.Direction, body string, at time.Time, st chat.Status) chat.Message {
	return chat.Message{Seq: seq, ID: msgID(seq), Direction: dir, Body: []byte(body),
		Sent: at, Received: at, Status: st}
}

// msgID is a message id made from a sequence number.
func msgID(seq int64) chat.MessageID {
	var id chat.MessageID
	binary.BigEndian.PutUint64(id[:], uint64(seq))
	return id
}

// line is a system line.
func line(seq int64, kind chat.RowKind, at time.Time) chat.Message {
	return chat.Message{Seq: seq, ID: msgID(seq), Direction: chat.Local, Kind: kind,
		Sent: at, Received: at, Status: chat.StatusSent}
}

// summary is a contact's summary with a newest row of text.
func summary(id chat.ContactID, name string, unread int, last string, at time.Time, online bool) chat.Summary {
	m := text(100, chat.Incoming, last, at, chat.StatusDelivered)
	return chat.Summary{Contact: chat.Contact{ID: id, Name: name}, Unread: unread, Last: &m, Online: online}
}

// newFakeCore returns a core with a few contacts and a short chat with
// Alice (contact 1).
func newFakeCore() *fakeCore {
	alice := summary(1, "Alice", 0, "see you at 6", t0.Add(-2*time.Hour), true)
	alice.Contact.Verified = true
	carol := summary(3, "Carol", 1, "new phone!", t0.Add(-72*time.Hour), true)
	carol.Contact.Held = true
	f := &fakeCore{
		name: "Mallory", home: "127.0.0.1:7070",
		contacts: []chat.Summary{
			alice,
			summary(2, "Bob", 3, "did you get the file?", t0.Add(-26*time.Hour), false),
			carol,
		},
		msgs:      map[chat.ContactID][]chat.Message{1: sampleChat()},
		marked:    map[chat.ContactID]int64{},
		verified:  map[chat.ContactID]bool{},
		sn:        testSafetyNumber(),
		backupKey: strings.Repeat("0123456789", 6) + "4242",
	}
	return f
}

// connected returns an event channel that reports the home connected.
func connected() chan chat.Event {
	ch := make(chan chat.Event, 1)
	ch <- chat.HomeState{Connected: true}
	return ch
}

// sampleChat is a chat across two days with every tick and system line.
func sampleChat() []chat.Message {
	y := t0.Add(-24 * time.Hour)
	in, out := chat.Incoming, chat.Outgoing
	file := text(9, in, "", t0.Add(-2*time.Hour), chat.StatusDelivered)
	file.Kind = chat.RowFile
	file.File = &chat.FileInfo{Name: "map.png", Size: 48213, Done: 48213,
		Path: "/home/mallory/Downloads/map.png", State: chat.FileComplete}
	return []chat.Message{
		text(1, in, "hi! are we still on for tomorrow?", y.Add(-3*time.Hour), chat.StatusRead),
		text(2, out, "yes, 6pm at the usual place", y.Add(-3*time.Hour+time.Minute), chat.StatusRead),
		line(3, chat.RowVerified, y.Add(-2*time.Hour)),
		text(4, in, "great. I'll bring the book you lent me, it was a long read but worth every page, thank you so much", t0.Add(-3*time.Hour), chat.StatusRead),
		text(5, out, "no rush", t0.Add(-170*time.Minute), chat.StatusDelivered),
		text(6, out, "line one\nline two", t0.Add(-169*time.Minute), chat.StatusSent),
		text(7, out, "queued while offline", t0.Add(-150*time.Minute), chat.StatusQueued),
		line(8, chat.RowSessionReset, t0.Add(-140*time.Minute)),
		file,
	}
}

// bigChat returns n messages, alternating directions, a minute apart.
func bigChat(n int) []chat.Message {
	out := make([]chat.Message, n)
	start := t0.Add(-time.Duration(n) * time.Minute)
	for i := range out {
		dir := chat.Incoming
		if i%2 == 1 {
			dir = chat.Outgoing
		}
		out[i] = text(int64(i+1), dir, fmt.Sprintf("message number %d with some words to wrap around the screen", i+1),
			start.Add(time.Duration(i)*time.Minute), chat.StatusRead)
	}
	return out
}

// testSafetyNumber is the safety number of two fixed identity keys.
func testSafetyNumber() keys.SafetyNumber {
	var a, b keys.PrivateKey
	a[7], b[7] = 1, 2
	ka, err := keys.NewKeyPair(a)
	if err != nil {
		panic(err)
	}
	kb, err := keys.NewKeyPair(b)
	if err != nil {
		panic(err)
	}
	return keys.NewSafetyNumber(ka.Public, kb.Public)
}

func (f *fakeCore) Name(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.name, nil
}

func (f *fakeCore) Home() string { return f.home }

func (f *fakeCore) ViaRelay() bool { return f.viaRelay }

func (f *fakeCore) SetTyping(_ context.Context, id chat.ContactID, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.typing = append(f.typing, on)
	return nil
}

func (f *fakeCore) Mute(_ context.Context, id chat.ContactID, until time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.contacts {
		if f.contacts[i].Contact.ID == id {
			f.contacts[i].MutedUntil = until
		}
	}
	return nil
}

func (f *fakeCore) Invite() (string, error) {
	return "ratchat:v1:127.0.0.1:7070:BXNlY3JldC1pZGVudGl0eS1rZXktZm9yLXRlc3Rz", nil
}

func (f *fakeCore) Summaries(context.Context) ([]chat.Summary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(append([]chat.Summary(nil), f.contacts...), f.groupRows...), nil
}

func (f *fakeCore) Requests(context.Context) ([]chat.Summary, error) {
	return nil, nil
}

func (f *fakeCore) Accept(context.Context, chat.ContactID) error { return nil }

func (f *fakeCore) Block(context.Context, chat.ContactID) error { return nil }

func (f *fakeCore) Summary(_ context.Context, id chat.ContactID) (chat.Summary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range append(f.contacts, f.groupRows...) {
		if c.Contact.ID == id {
			return c, nil
		}
	}
	return chat.Summary{}, errors.New("store: not found")
}

func (f *fakeCore) AddContact(_ context.Context, invite, name string) (chat.Contact, error) {
	if !strings.HasPrefix(invite, "ratchat:") {
		return chat.Contact{}, errors.New("chat: not an invite")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == "" {
		name = "Dave"
	}
	c := chat.Contact{ID: chat.ContactID(len(f.contacts) + 1), Name: name}
	f.contacts = append(f.contacts, chat.Summary{Contact: c})
	return c, nil
}

func (f *fakeCore) Messages(_ context.Context, id chat.ContactID, before chat.Cursor, n int) ([]chat.Message, chat.Cursor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages++
	all := f.msgs[id]
	end := len(all)
	if before > 0 {
		end = sort.Search(len(all), func(i int) bool { return all[i].Seq >= int64(before) })
	}
	start := max(0, end-n)
	var prev chat.Cursor
	if start > 0 {
		prev = chat.Cursor(all[start].Seq)
	}
	return append([]chat.Message(nil), all[start:end]...), prev, nil
}

func (f *fakeCore) MarkRead(_ context.Context, id chat.ContactID, upTo int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.marked[id] = upTo
	return nil
}

func (f *fakeCore) Send(_ context.Context, id chat.ContactID, body string) (chat.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.contacts {
		if c.Contact.ID == id && c.Contact.Held {
			return chat.Message{}, &chat.IdentityChangedError{Contact: id}
		}
	}
	if err := f.groupHeld(id); err != nil {
		return chat.Message{}, err
	}
	f.sent = append(f.sent, body)
	seq := int64(1)
	if all := f.msgs[id]; len(all) > 0 {
		seq = all[len(all)-1].Seq + 1
	}
	m := text(seq, chat.Outgoing, body, t0, chat.StatusQueued)
	f.msgs[id] = append(f.msgs[id], m)
	return m, nil
}

func (f *fakeCore) SendFile(ctx context.Context, id chat.ContactID, path string, p func(done, total int64)) (chat.Message, error) {
	p(1, 2)
	return chat.Message{}, ctx.Err()
}

func (f *fakeCore) SetTimer(context.Context, chat.ContactID, time.Duration) error { return nil }

func (f *fakeCore) AcceptFile(_ context.Context, _ chat.ContactID, file chat.MessageID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepted = append(f.accepted, file)
	return nil
}

func (f *fakeCore) SafetyNumber(context.Context, chat.ContactID) (keys.SafetyNumber, error) {
	return f.sn, nil
}

func (f *fakeCore) SetVerified(_ context.Context, id chat.ContactID, v bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.verified[id] = v
	return nil
}

func (f *fakeCore) AcceptIdentity(context.Context, chat.ContactID) error { return nil }

// scanQR is the fake's Common.ScanQR: it "reads" f.scan from any image.
func (f *fakeCore) scanQR(path string) (string, error) {
	if f.scan == "" {
		return "", errors.New("no QR code found")
	}
	return f.scan, nil
}

// recoveryKey parses a test's recovery key; one that is no key gives the
// zero key, which has no digits (as a broken core might return).
func recoveryKey(s string) chat.RecoveryKey {
	k, _ := chat.ParseRecoveryKey(s)
	return k
}

func (f *fakeCore) ExportBackup(ctx context.Context, path string, p func(chat.Progress)) (chat.RecoveryKey, error) {
	p(chat.Progress{Done: 5, Total: 10})
	return recoveryKey(f.backupKey), nil
}

func (f *fakeCore) Restore(ctx context.Context, path string, key chat.RecoveryKey, p func(chat.Progress), opts ...chat.RestoreOption) (*chat.Messenger, chat.RestoreResult, error) {
	f.mu.Lock()
	f.restores++
	f.mu.Unlock()
	if key != recoveryKey(f.backupKey) {
		return nil, chat.RestoreResult{}, errors.New("store: wrong recovery key")
	}
	if f.otherIdentity && len(opts) == 0 { // the only option is ForceRestore
		return nil, chat.RestoreResult{}, &chat.OtherIdentityError{}
	}
	p(chat.Progress{Done: 1, Total: 2})
	if f.restoreGo != nil {
		<-f.restoreGo
	}
	return nil, chat.RestoreResult{Contacts: 3, Messages: 1234}, nil
}

func (f *fakeCore) Events() <-chan chat.Event {
	if f.events == nil {
		return nil
	}
	return f.events
}

// fakeOpener creates and unlocks a fakeCore with the passphrase
// "correct horse".
type fakeOpener struct {
	exists bool
	core   *fakeCore
}

func (o *fakeOpener) Exists() (bool, error) { return o.exists, nil }

func (o *fakeOpener) Create(name, pass string) (Core, error) {
	o.core.name = name
	return o.core, nil
}

func (o *fakeOpener) Unlock(pass string) (Core, error) {
	if pass != "correct horse" {
		return nil, fmt.Errorf("store: %w", chat.ErrWrongPassphrase)
	}
	return o.core, nil
}

// keyMsgs turns key names ("enter", "alt+enter", "pgup", "x", "hello")
// into key messages; a name that is no key is typed as runes.
func keyMsgs(names ...string) []tea.Msg {
	special := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"esc": tea.KeyEsc, "up": tea.KeyUp, "down": tea.KeyDown, "pgup": tea.KeyPgUp,
		"pgdown": tea.KeyPgDown, "end": tea.KeyEnd, "home": tea.KeyHome,
		"backspace": tea.KeyBackspace, "ctrl+c": tea.KeyCtrlC, "ctrl+a": tea.KeyCtrlA,
		"ctrl+e": tea.KeyCtrlE, "ctrl+k": tea.KeyCtrlK, "ctrl+u": tea.KeyCtrlU,
		"ctrl+w": tea.KeyCtrlW, "f1": tea.KeyF1, "space": tea.KeySpace,
	}
	var out []tea.Msg
	for _, n := range names {
		alt := strings.HasPrefix(n, "alt+") && len(n) > 4
		base := n
		if alt {
			base = n[4:]
		}
		if t, ok := special[base]; ok {
			k := tea.KeyMsg{Type: t, Alt: alt}
			if t == tea.KeySpace {
				k.Runes = []rune{' '}
			}
			out = append(out, k)
		} else {
			out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(base), Alt: alt})
		}
	}
	return out
}

// drive runs messages through a model synchronously, running every
// command it returns (and the commands those return) before the next
// message, as the Bubble Tea loop would but in a deterministic order.
func drive(m tea.Model, msgs ...tea.Msg) tea.Model {
	for _, msg := range msgs {
		queue := []tea.Msg{msg}
		for len(queue) > 0 {
			next := queue[0]
			queue = queue[1:]
			if batch, ok := next.(tea.BatchMsg); ok {
				for _, c := range batch {
					if c != nil {
						queue = append(queue, c())
					}
				}
				continue
			}
			if next == nil {
				continue
			}
			var cmd tea.Cmd
			m, cmd = m.Update(next)
			if cmd != nil {
				queue = append(queue, cmd())
			}
		}
	}
	return m
}

// change applies fn to message target of chat id, as the core would.
func (f *fakeCore) change(id chat.ContactID, target chat.MessageID, fn func(*chat.Message) error) (chat.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, m := range f.msgs[id] {
		if m.ID == target {
			if err := fn(&m); err != nil {
				return chat.Message{}, err
			}
			f.msgs[id][i] = m
			return m, nil
		}
	}
	return chat.Message{}, chat.ErrNoMessage
}

func (f *fakeCore) Reply(ctx context.Context, id chat.ContactID, quote chat.MessageID, text string) (chat.Message, error) {
	m, err := f.Send(ctx, id, text)
	if err != nil {
		return m, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	all := f.msgs[id]
	all[len(all)-1].Quote = quote
	return all[len(all)-1], nil
}

func (f *fakeCore) Edit(_ context.Context, id chat.ContactID, target chat.MessageID, text string) (chat.Message, error) {
	return f.change(id, target, func(m *chat.Message) error {
		m.Versions = append(m.Versions, chat.Version{Body: m.Body, At: m.Sent})
		m.Body, m.Edited = []byte(text), t0.Add(time.Minute)
		return nil
	})
}

func (f *fakeCore) Delete(_ context.Context, id chat.ContactID, target chat.MessageID, forEveryone bool) (chat.Message, error) {
	return f.change(id, target, func(m *chat.Message) error {
		if forEveryone && m.Direction != chat.Outgoing {
			return chat.ErrNotOwnMessage
		}
		m.Clear()
		return nil
	})
}

func (f *fakeCore) React(_ context.Context, id chat.ContactID, target chat.MessageID, emoji string) (chat.Message, error) {
	return f.change(id, target, func(m *chat.Message) error {
		m.SetReaction(chat.Outgoing, emoji)
		return nil
	})
}

func (f *fakeCore) MessageInfo(_ context.Context, id chat.ContactID, target chat.MessageID) (chat.Info, error) {
	m, err := f.change(id, target, func(*chat.Message) error { return nil })
	return chat.Info{Message: m, Written: m.Sent, Received: m.Received, Sent: m.Sent.Add(time.Second),
		Delivered: m.Sent.Add(2 * time.Second), Read: m.StatusAt, Edited: m.Edited, Versions: m.Versions}, err
}
