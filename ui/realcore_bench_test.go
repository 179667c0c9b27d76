package ui

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
	"ratchat/keys"
	"ratchat/store"
)

// The benchmarks below run the interface on a real core: a profile in
// SQLite, opened with chat.Open, with a running messenger.

// benchPass is the fixtures' passphrase; benchKDF makes unlocking them
// instant (the passphrase's Argon2id cost is a deliberate delay, measured
// in store's benchmarks).
const benchPass = "correct horse"

var benchKDF = store.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// fixtures are profiles filled once per test binary, by message count;
// TestMain removes them.
var fixtures struct {
	sync.Mutex
	root string
	dirs map[int]string
}

// removeFixtures deletes the benchmarks' profiles.
func removeFixtures() {
	if fixtures.root != "" {
		os.RemoveAll(fixtures.root)
	}
}

// benchProfile is how the benchmarks open a fixture.
func benchProfile(dir string) chat.Profile {
	return chat.Profile{Dir: dir, Listen: "127.0.0.1:0", Store: []store.Option{store.WithKDF(benchKDF)}}
}

// fixture returns a closed profile with one contact and n messages.
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

// fillFixture creates the profile of a fixture: its keys, a contact, and
// n messages inserted with store.InsertMessages in batches of 1,000.
func fillFixture(dir string, n int) error {
	st, err := store.Create(dir, []byte(benchPass), store.WithKDF(benchKDF))
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	if err := chat.CreateProfile(ctx, st, "Me", nil); err != nil {
		return err
	}
	peer, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		return err
	}
	id, err := st.AddContact(ctx, store.Contact{Identity: peer.Public, Name: "Alice", Address: "127.0.0.1:9"})
	if err != nil {
		return err
	}
	start := time.Now().Add(-time.Duration(n) * time.Minute)
	for i := 0; i < n; i += 1000 {
		batch := make([]store.Message, 0, 1000)
		for j := i; j < min(i+1000, n); j++ {
			batch = append(batch, fixtureMessage(id, j, start.Add(time.Duration(j)*time.Minute)))
		}
		if _, err := st.InsertMessages(ctx, batch); err != nil {
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

// openApp opens a fixture as `ratchat` does (chat.Open) and runs the
// interface, at 120×40, until the chat is open and its newest message on
// screen: the first frame a user waits for.
func openApp(b *testing.B, dir string, n int) (*App, *chat.Messenger) {
	m, err := chat.Open(context.Background(), benchProfile(dir), []byte(benchPass))
	if err != nil {
		b.Fatal(err)
	}
	c := NewCommon()
	c.Terminal = io.Discard
	a := NewMainApp(c, m)
	d := newDriver(a)
	d.exec(a.Init())
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.until(b, func(view string) bool { return strings.Contains(view, "Alice") })
	d.send(tea.KeyMsg{Type: tea.KeyEnter})
	want := fmt.Sprintf("message number %d ", n-1)
	d.until(b, func(view string) bool { return strings.Contains(view, want) })
	return a, m
}

// BenchmarkColdStart100k is chat.Open (store.Open and the messenger's
// start) and the interface up to the first frame of the open chat, with
// 100,000 messages in the store.
func BenchmarkColdStart100k(b *testing.B) {
	const n = 100_000
	dir := fixture(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, m := openApp(b, dir, n)
		b.StopTimer()
		m.Close()
		b.StartTimer()
	}
	reportElapsed(b, b.Elapsed(), 300*time.Millisecond)
}

// BenchmarkKeystrokeToFrame10k is one key typed in the composer, with a
// 10,000-message chat open on the real core, to the frame that shows it.
func BenchmarkKeystrokeToFrame10k(b *testing.B) {
	const n = 10_000
	a, m := openApp(b, fixture(b, n), n)
	defer m.Close()
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
	reportElapsed(b, b.Elapsed(), 16*time.Millisecond)
}

// reportElapsed reports the mean time per frame of a benchmark whose
// timer was stopped in places, and fails over budget.
func reportElapsed(b *testing.B, total, budget time.Duration) {
	per := total / time.Duration(b.N)
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/frame")
	if per > budget {
		b.Errorf("%v per frame, over the %v budget", per, budget)
	}
}

// driver runs a model as tea.Program would, without a terminal: commands
// run in goroutines (some, like ListenCmd, block until the core has news)
// and their messages are applied one at a time, in arrival order.
type driver struct {
	m    tea.Model
	msgs chan tea.Msg
}

func newDriver(m tea.Model) *driver { return &driver{m: m, msgs: make(chan tea.Msg, 256)} }

// exec runs a command, batches included.
func (d *driver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		if msg := cmd(); msg != nil {
			d.msgs <- msg
		}
	}()
}

// send applies a message and runs the command it returns.
func (d *driver) send(msg tea.Msg) {
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			d.exec(c)
		}
		return
	}
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(msg)
	d.exec(cmd)
}

// until applies messages until done accepts the view.
func (d *driver) until(tb testing.TB, done func(view string) bool) {
	tb.Helper()
	deadline := time.After(20 * time.Second)
	for !done(d.m.View()) {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline:
			tb.Fatalf("the interface never got there; the screen:\n%s", d.m.View())
		}
	}
}
