package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/keys"
	"ratchat/store"
	"ratchat/ui"
)

// fixtures are profiles filled once per test binary, by message count.
var fixtures struct {
	sync.Mutex
	root string
	dirs map[int]string
}

// TestMain removes the benchmark fixtures at the end.
func TestMain(m *testing.M) {
	code := m.Run()
	if fixtures.root != "" {
		os.RemoveAll(fixtures.root)
	}
	os.Exit(code)
}

// fixture returns a closed profile with one contact and n messages,
// inserted with store.InsertMessages in batches of 1,000.
func fixture(b *testing.B, n int) string {
	b.Helper()
	fixtures.Lock()
	defer fixtures.Unlock()
	if dir, ok := fixtures.dirs[n]; ok {
		return dir
	}
	if fixtures.root == "" {
		root, err := os.MkdirTemp("", "ratchat-bench-")
		if err != nil {
			b.Fatal(err)
		}
		fixtures.root, fixtures.dirs = root, map[int]string{}
	}
	dir := filepath.Join(fixtures.root, fmt.Sprint(n))
	if err := fillFixture(dir, n); err != nil {
		b.Fatal(err)
	}
	fixtures.dirs[n] = dir
	return dir
}

// fillFixture creates the profile of a fixture.
func fillFixture(dir string, n int) error {
	o := NewOpener(Options{Dir: dir, Store: []store.Option{store.WithKDF(FastKDF)}})
	c, err := o.CreateCore("Me", []byte(testPass))
	if err != nil {
		return err
	}
	defer c.Close()
	peer, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		return err
	}
	ctx := context.Background()
	id, err := c.st.AddContact(ctx, store.Contact{Identity: peer.Public, Name: "Alice", Address: "127.0.0.1:9"})
	if err != nil {
		return err
	}
	start := time.Now().Add(-time.Duration(n) * time.Minute)
	for i := 0; i < n; i += 1000 {
		batch := make([]store.Message, 0, 1000)
		for j := i; j < min(i+1000, n); j++ {
			batch = append(batch, fixtureMessage(id, j, start.Add(time.Duration(j)*time.Minute)))
		}
		if _, err := c.st.InsertMessages(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

// fixtureMessage is message number i of a fixture's chat.
func fixtureMessage(id store.ContactID, i int, at time.Time) store.Message {
	m := store.Message{Conversation: id, Direction: store.Incoming, Status: store.StatusRead,
		Body: fmt.Appendf(nil, "message number %d with some words to wrap around the screen", i),
		Sent: at, Received: at, StatusAt: at}
	if i%2 == 1 {
		m.Direction = store.Outgoing
	}
	rand.Read(m.ID[:])
	return m
}

// openApp opens a fixture as `ratchat` does (store.Open, chat.Start) and
// runs the interface, at 120×40, until the chat is open and its newest
// message on screen: the first frame a user waits for.
func openApp(b *testing.B, dir string, n int) (*ui.App, *Core) {
	o := NewOpener(Options{Dir: dir, Store: []store.Option{store.WithKDF(FastKDF)}})
	core, err := o.Open([]byte(testPass))
	if err != nil {
		b.Fatal(err)
	}
	a := ui.NewMainApp(ui.NewCommon(), core)
	d := newDriver(a)
	d.exec(a.Init())
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.until(b, func(view string) bool { return strings.Contains(view, "Alice") })
	d.send(tea.KeyMsg{Type: tea.KeyEnter})
	want := fmt.Sprintf("message number %d ", n-1)
	d.until(b, func(view string) bool { return strings.Contains(view, want) })
	return a, core
}

// BenchmarkColdStart100k is store.Open, chat.Start, and the interface up
// to the first frame of the open chat, with 100,000 messages in the store.
// The passphrase's Argon2id cost is left out (the fixture uses a test
// cost): it is a deliberate delay, measured in store's benchmarks.
func BenchmarkColdStart100k(b *testing.B) {
	const n = 100_000
	dir := fixture(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, core := openApp(b, dir, n)
		b.StopTimer()
		core.Close()
		b.StartTimer()
	}
	reportFrame(b, b.Elapsed(), 300*time.Millisecond)
}

// BenchmarkKeystrokeToFrame10k is one key typed in the composer, with a
// 10,000-message chat open on the real core, to the frame that shows it.
func BenchmarkKeystrokeToFrame10k(b *testing.B) {
	const n = 10_000
	a, core := openApp(b, fixture(b, n), n)
	defer core.Close()
	key := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'x'}}
	clear := tea.KeyMsg{Type: tea.KeyCtrlU}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := key
		if i%200 == 199 {
			k = clear // keep the draft a realistic length
		}
		a.Update(k)
		_ = a.View()
	}
	reportFrame(b, b.Elapsed(), 16*time.Millisecond)
}

// reportFrame reports the mean time per frame and fails over budget.
func reportFrame(b *testing.B, total, budget time.Duration) {
	per := total / time.Duration(b.N)
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/frame")
	if per > budget {
		b.Errorf("%v per frame, over the %v budget", per, budget)
	}
}
