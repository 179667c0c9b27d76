package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

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
	c.SetSize(w, h)
	return c
}

// fakeCore is an in-memory Core for tests. Its methods are safe for the
// goroutines teatest runs commands in.
type fakeCore struct {
	mu        sync.Mutex
	status    Status
	contacts  []ContactItem
	msgs      map[int64][]MessageItem
	events    chan any
	sent      []string
	marked    map[int64]int64
	verified  map[int64]bool
	sn        keys.SafetyNumber
	scan      string
	backupKey string             // also the key of automatic backups
	auto      AutoBackupSettings // see autobackup_test.go
	restoreGo chan struct{}      // when set, RestoreBackup waits for it halfway
	pages     int                // Messages calls
}

var _ Core = (*fakeCore)(nil)

// newFakeCore returns a core with a few contacts and a short chat with
// Alice (contact 1).
func newFakeCore() *fakeCore {
	f := &fakeCore{
		status: Status{Profile: "Mallory", Home: "127.0.0.1:7070", Connection: ConnOnline},
		contacts: []ContactItem{
			{ID: 1, Name: "Alice", Verified: true, Unread: 0, Preview: "see you at 6", LastAt: t0.Add(-2 * time.Hour), Online: true},
			{ID: 2, Name: "Bob", Unread: 3, Preview: "did you get the file?", LastAt: t0.Add(-26 * time.Hour)},
			{ID: 3, Name: "Carol", KeyChanged: true, Unread: 1, Preview: "new phone!", LastAt: t0.Add(-72 * time.Hour), Online: true},
		},
		msgs:      map[int64][]MessageItem{1: sampleChat()},
		marked:    map[int64]int64{},
		verified:  map[int64]bool{},
		sn:        testSafetyNumber(),
		backupKey: strings.Repeat("0123456789", 6) + "4242",
	}
	return f
}

// sampleChat is a chat across two days with every tick and system line.
func sampleChat() []MessageItem {
	y := t0.Add(-24 * time.Hour)
	return []MessageItem{
		{Seq: 1, Text: "hi! are we still on for tomorrow?", Received: y.Add(-3 * time.Hour)},
		{Seq: 2, Outgoing: true, Text: "yes, 6pm at the usual place", Sent: y.Add(-3*time.Hour + time.Minute), Status: StatusRead},
		{Seq: 3, System: SystemVerified, Received: y.Add(-2 * time.Hour)},
		{Seq: 4, Text: "great. I'll bring the book you lent me, it was a long read but worth every page, thank you so much", Received: t0.Add(-3 * time.Hour)},
		{Seq: 5, Outgoing: true, Text: "no rush", Sent: t0.Add(-170 * time.Minute), Status: StatusDelivered},
		{Seq: 6, Outgoing: true, Text: "line one\nline two", Sent: t0.Add(-169 * time.Minute), Status: StatusSent},
		{Seq: 7, Outgoing: true, Text: "queued while offline", Sent: t0.Add(-150 * time.Minute), Status: StatusQueued},
		{Seq: 8, System: SystemSessionReset, Received: t0.Add(-140 * time.Minute)},
		{Seq: 9, Text: "see you at 6", Received: t0.Add(-2 * time.Hour), File: &FileItem{Name: "map.png", Size: 48213}},
	}
}

// bigChat returns n messages, alternating directions, a minute apart.
func bigChat(n int) []MessageItem {
	out := make([]MessageItem, n)
	start := t0.Add(-time.Duration(n) * time.Minute)
	for i := range out {
		at := start.Add(time.Duration(i) * time.Minute)
		out[i] = MessageItem{Seq: int64(i + 1), Outgoing: i%2 == 1, Sent: at, Received: at,
			Text: fmt.Sprintf("message number %d with some words to wrap around the screen", i+1), Status: StatusRead}
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

func (f *fakeCore) Status() (Status, error) { return f.status, nil }
func (f *fakeCore) Invite() (string, error) {
	return "ratchat:v1:127.0.0.1:7070:BXNlY3JldC1pZGVudGl0eS1rZXktZm9yLXRlc3Rz", nil
}

func (f *fakeCore) Contacts() ([]ContactItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ContactItem(nil), f.contacts...), nil
}

func (f *fakeCore) AddContact(invite string) (ContactItem, error) {
	if !strings.HasPrefix(invite, "ratchat:") {
		return ContactItem{}, errors.New("chat: not an invite")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := ContactItem{ID: int64(len(f.contacts) + 1), Name: "Dave", LastAt: t0}
	f.contacts = append(f.contacts, c)
	return c, nil
}

func (f *fakeCore) Messages(contact, before int64, n int) ([]MessageItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages++
	all := f.msgs[contact]
	end := len(all)
	if before > 0 {
		end = sort.Search(len(all), func(i int) bool { return all[i].Seq >= before })
	}
	return append([]MessageItem(nil), all[max(0, end-n):end]...), nil
}

func (f *fakeCore) MarkRead(contact, upTo int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.marked[contact] = upTo
	return nil
}

func (f *fakeCore) Send(contact int64, text string) (MessageItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.contacts {
		if c.ID == contact && c.KeyChanged {
			return MessageItem{}, fmt.Errorf("chat: %w", ErrKeyNotAccepted)
		}
	}
	f.sent = append(f.sent, text)
	seq := int64(1)
	if all := f.msgs[contact]; len(all) > 0 {
		seq = all[len(all)-1].Seq + 1
	}
	m := MessageItem{Seq: seq, Outgoing: true, Text: text, Sent: t0, Status: StatusQueued}
	f.msgs[contact] = append(f.msgs[contact], m)
	return m, nil
}

func (f *fakeCore) SendFile(ctx context.Context, contact int64, path string, p Progress) error {
	p(1, 2)
	return ctx.Err()
}

func (f *fakeCore) SetTimer(contact int64, d time.Duration) error { return nil }

func (f *fakeCore) SafetyNumber(contact int64) (keys.SafetyNumber, error) { return f.sn, nil }

func (f *fakeCore) SetVerified(contact int64, v bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.verified[contact] = v
	return nil
}

func (f *fakeCore) AcceptIdentity(contact int64) error { return nil }

func (f *fakeCore) ScanQR(path string) (string, error) {
	if f.scan == "" {
		return "", errors.New("no QR code found")
	}
	return f.scan, nil
}

func (f *fakeCore) ExportBackup(ctx context.Context, path string, p Progress) (string, error) {
	p(5, 10)
	return f.backupKey, nil
}

func (f *fakeCore) RestoreBackup(ctx context.Context, path, key string, p Progress) (RestoreResult, error) {
	if key != f.backupKey {
		return RestoreResult{}, errors.New("store: wrong recovery key")
	}
	p(1, 2)
	if f.restoreGo != nil {
		<-f.restoreGo
	}
	return RestoreResult{Contacts: 3, Messages: 1234}, nil
}

func (f *fakeCore) Events() <-chan any { return f.events }

// fakeOpener creates and unlocks a fakeCore with the passphrase
// "correct horse".
type fakeOpener struct {
	exists bool
	core   *fakeCore
}

func (o *fakeOpener) Exists() (bool, error) { return o.exists, nil }

func (o *fakeOpener) Create(name, pass string) (Core, error) {
	o.core.status.Profile = name
	return o.core, nil
}

func (o *fakeOpener) Unlock(pass string) (Core, error) {
	if pass != "correct horse" {
		return nil, fmt.Errorf("store: %w", ErrWrongPassphrase)
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
