package chat

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ratchat/store"
	"ratchat/transport"
)

// testKDF makes unlocking instant in tests; the real cost is a store test.
var testKDF = store.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// profile is one running messenger in a test, with its store.
type profile struct {
	t    testing.TB
	name string
	dir  string
	st   *store.Store
	m    *Messenger
	cfg  Config
}

// newProfile creates a profile in a temporary folder and starts it with
// its own home on 127.0.0.1, unless relay is set.
func newProfile(t testing.TB, name, relay string) *profile {
	t.Helper()
	return newProfileWith(t, name, relay, nil)
}

// newProfileWith is newProfile with a change to the configuration (a
// clock, say) before the start.
func newProfileWith(t testing.TB, name, relay string, configure func(*Config)) *profile {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	st, err := store.Create(dir, []byte("passphrase "+name), store.WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	if err := CreateProfile(context.Background(), st, name, nil); err != nil {
		t.Fatal(err)
	}
	p := &profile{t: t, name: name, dir: dir, st: st, cfg: testConfig(st, relay)}
	if configure != nil {
		configure(&p.cfg)
	}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func testConfig(st *store.Store, relay string) Config {
	var logger *slog.Logger
	if os.Getenv("RATCHAT_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return Config{
		Logger: logger,
		Store:  st, Relay: relay,
		RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		Client: transport.ClientOptions{DialTimeout: 2 * time.Second},
	}
}

func (p *profile) start() {
	p.t.Helper()
	m, err := Start(context.Background(), p.cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	p.m = m
	p.waitFor("home connection", 10*time.Second, func(e Event) bool {
		h, ok := e.(HomeState)
		return ok && h.Connected
	})
}

func (p *profile) stop() {
	if p.m != nil {
		p.m.Close()
		p.m = nil
	}
}

// restart stops the messenger and starts it again on the same store, with
// the same listening address so that contacts still reach it.
func (p *profile) restart() {
	p.t.Helper()
	addr := p.m.Home()
	p.stop()
	if p.cfg.Relay == "" {
		p.cfg.Listen = addr
	}
	p.start()
}

func (p *profile) invite() string {
	p.t.Helper()
	inv, err := p.m.Invite()
	if err != nil {
		p.t.Fatal(err)
	}
	return inv
}

// waitFor reads events until one satisfies ok, failing after timeout.
func (p *profile) waitFor(what string, timeout time.Duration, ok func(Event) bool) Event {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e, open := <-p.m.Events():
			if !open {
				p.t.Fatalf("%s: events closed while waiting for %s", p.name, what)
			}
			if ok(e) {
				return e
			}
		case <-deadline:
			p.t.Fatalf("%s: no %s within %v", p.name, what, timeout)
		}
	}
}

// waitText waits for an incoming message with this text.
func (p *profile) waitText(text string) store.Message {
	p.t.Helper()
	e := p.waitFor(fmt.Sprintf("message %q", text), 10*time.Second, func(e Event) bool {
		r, ok := e.(MessageReceived)
		return ok && string(r.Message.Body) == text
	})
	return e.(MessageReceived).Message
}

// waitStatus waits until message id reaches status st.
func (p *profile) waitStatus(id store.MessageID, st store.Status) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("status %d", st), 10*time.Second, func(e Event) bool {
		s, ok := e.(StatusChanged)
		return ok && s.ID == id && s.Status == st
	})
}

// contactOf returns p's contact for other, waiting for it to appear.
func (p *profile) contactOf(other *profile) store.Contact {
	p.t.Helper()
	if c, err := p.st.ContactByIdentity(context.Background(), other.m.Identity()); err == nil && c.Name != "" {
		return c
	}
	e := p.waitFor(other.name+" as a named contact", 10*time.Second, func(e Event) bool {
		c, ok := e.(ContactChanged)
		return ok && c.Contact.Identity == other.m.Identity() && c.Contact.Name != ""
	})
	return e.(ContactChanged).Contact
}

// connect has a add b by invite, waits until b has a's message request
// and has b accept it.
func connect(t testing.TB, a, b *profile) (store.Contact, store.Contact) {
	t.Helper()
	ab, err := a.m.AddContact(context.Background(), b.invite(), b.name)
	if err != nil {
		t.Fatal(err)
	}
	ba := b.contactOf(a)
	if ba.Name != a.name || ba.State != store.StateRequest {
		t.Fatalf("%s sees %s as %q, state %d", b.name, a.name, ba.Name, ba.State)
	}
	if err := b.m.Accept(context.Background(), ba.ID); err != nil {
		t.Fatal(err)
	}
	ba.State = store.StateContact
	// Files download by themselves between the test's contacts (they are
	// not verified); consent is tested on its own (files_consent_test.go).
	for _, pc := range []struct {
		p  *profile
		id store.ContactID
	}{{a, ab.ID}, {b, ba.ID}} {
		if err := pc.p.st.SetFilesPolicy(context.Background(), pc.id, store.FilesAuto); err != nil {
			t.Fatal(err)
		}
	}
	ab.Files, ba.Files = store.FilesAuto, store.FilesAuto
	return ab, ba
}

// written keeps the rows a person wrote, dropping the messenger's own lines.
func written(rows []store.Message) []store.Message {
	var out []store.Message
	for _, r := range rows {
		if !r.Kind.System() {
			out = append(out, r)
		}
	}
	return out
}

// backup stops p and returns a backup of its profile, taken just before,
// with its recovery key: p's machine is lost.
func (p *profile) backup() (*bytes.Buffer, store.RecoveryKey) {
	p.t.Helper()
	key, err := store.NewRecoveryKey(rand.Reader)
	if err != nil {
		p.t.Fatal(err)
	}
	var b bytes.Buffer
	if err := p.st.Export(context.Background(), &b, key, nil); err != nil {
		p.t.Fatal(err)
	}
	p.stop()
	p.st.Close()
	return &b, key
}

// restoreProfile restores a backup into a new folder (a new machine),
// starts it on home (a relay, or "" for a listener at listen) and returns it.
func restoreProfile(t *testing.T, name string, backup *bytes.Buffer, key store.RecoveryKey, relay, listen string) *profile {
	t.Helper()
	dir := t.TempDir() + "/" + name + "2"
	if err := store.Restore(context.Background(), dir, backup, key, []byte("new passphrase"), store.WithKDF(testKDF)); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, []byte("new passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := &profile{t: t, name: name, dir: dir, st: st, cfg: testConfig(st, relay)}
	if listen != "" {
		p.cfg.Listen = listen
	}
	p.start()
	t.Cleanup(p.stop)
	return p
}
