package chat

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/store"
)

// kinds lists the kinds of a chat's rows, oldest first.
func kinds(t testing.TB, p *profile, id store.ContactID) []store.Kind {
	t.Helper()
	rows, _, err := p.m.Messages(context.Background(), id, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Kind
	for _, r := range rows {
		out = append(out, r.Kind)
	}
	return out
}

// waitLine waits for a system line of kind k in a chat.
func (p *profile) waitLine(id store.ContactID, k store.Kind) store.Message {
	p.t.Helper()
	e := p.waitFor("a system line", 10*time.Second, func(e Event) bool {
		s, ok := e.(MessageStored)
		return ok && s.Contact == id && s.Message.Kind == k
	})
	return e.(MessageStored).Message
}

// A brand-new contact's first session is no reset (issue 8, defect 3).
func TestNewContactHasNoResetLine(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	if _, err := alice.m.Send(ctx, ab.ID, "hello"); err != nil {
		t.Fatal(err)
	}
	bob.waitText("hello")
	msg, err := bob.m.Send(ctx, ba.ID, "hi")
	if err != nil {
		t.Fatal(err)
	}
	alice.waitText("hi")
	bob.waitStatus(msg.ID, store.StatusDelivered)
	for _, c := range []struct {
		p  *profile
		id store.ContactID
	}{{alice, ab.ID}, {bob, ba.ID}} {
		for _, k := range kinds(t, c.p, c.id) {
			if k.System() {
				t.Errorf("%s's chat has a system line of kind %d: %v", c.p.name, k, kinds(t, c.p, c.id))
			}
		}
	}
}

// Verification, timers and resets are rows of the history.
func TestSystemLinesAreHistory(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	steps := []struct {
		name string
		do   func() error
		p    *profile
		id   store.ContactID
		kind store.Kind
	}{
		{"verify", func() error { return alice.m.SetVerified(ctx, ab.ID, true) }, alice, ab.ID, store.KindVerified},
		{"unverify", func() error { return alice.m.SetVerified(ctx, ab.ID, false) }, alice, ab.ID, store.KindUnverified},
		{"timer, sender", func() error { return alice.m.SetTimer(ctx, ab.ID, time.Hour) }, alice, ab.ID, store.KindTimer},
		{"timer, receiver", func() error { return nil }, bob, ba.ID, store.KindTimer},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		line := st.p.waitLine(st.id, st.kind)
		if line.Direction != store.Local || (st.kind == store.KindTimer && line.Timer != time.Hour) {
			t.Fatalf("%s: line %+v", st.name, line)
		}
	}
	// Unchanged marks write nothing.
	before := len(kinds(t, alice, ab.ID))
	if err := alice.m.SetVerified(ctx, ab.ID, false); err != nil {
		t.Fatal(err)
	}
	if after := len(kinds(t, alice, ab.ID)); after != before {
		t.Fatalf("clearing a clear mark wrote %d rows", after-before)
	}
}

func TestUnreadAndMarkRead(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	var sent []store.Message
	for _, text := range []string{"one", "two", "three"} {
		m, err := alice.m.Send(ctx, ab.ID, text)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
	}
	var got []store.Message
	for _, text := range []string{"one", "two", "three"} {
		got = append(got, bob.waitText(text))
	}
	s, err := bob.m.Summary(ctx, ba.ID)
	if err != nil || s.Unread != 3 || s.Last == nil || string(s.Last.Body) != "three" {
		t.Fatalf("Summary = %+v, %v", s, err)
	}
	if err := bob.m.MarkRead(ctx, ba.ID, got[1].Seq); err != nil {
		t.Fatal(err)
	}
	alice.waitStatus(sent[1].ID, store.StatusRead)
	if s, _ := bob.m.Summary(ctx, ba.ID); s.Unread != 1 {
		t.Fatalf("after reading two of three: Unread = %d", s.Unread)
	}
	if err := bob.m.MarkRead(ctx, ba.ID, got[0].Seq); err != nil { // never moves back
		t.Fatal(err)
	}
	if s, _ := bob.m.Summary(ctx, ba.ID); s.Unread != 1 {
		t.Fatalf("after an older mark: Unread = %d", s.Unread)
	}
	all, err := bob.m.Summaries(ctx)
	if err != nil || len(all) != 1 || all[0].Contact.ID != ba.ID {
		t.Fatalf("Summaries = %+v, %v", all, err)
	}
}

func TestWaitSent(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	msg, err := alice.m.Send(ctx, ab.ID, "on its way")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := alice.m.WaitSent(ctx, ab.ID, msg.ID); err != nil || st == store.StatusQueued {
		t.Fatalf("WaitSent = %v, %v", st, err)
	}
	bob.stop()
	msg, err = alice.m.Send(ctx, ab.ID, "nobody home")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if st, err := alice.m.WaitSent(short, ab.ID, msg.ID); !errors.Is(err, ErrTimeout) || st != store.StatusQueued {
		t.Fatalf("WaitSent with the home down = %v, %v", st, err)
	}
}

func TestFindContactAndRename(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol := newProfile(t, "alice", ""), newProfile(t, "bob", ""), newProfile(t, "carol", "")
	ab, _ := connect(t, alice, bob)
	ac, _ := connect(t, alice, carol)
	if _, err := alice.m.AddContact(ctx, carol.invite(), "Bob"); err != nil { // --name on a known contact renames it (defect 14)
		t.Fatal(err)
	}
	if c, err := alice.st.Contact(ctx, ac.ID); err != nil || c.Name != "Bob" {
		t.Fatalf("after adding carol again as Bob: %q, %v", c.Name, err)
	}
	cases := []struct {
		query string
		want  store.ContactID
		err   error
	}{
		{query: "bob", err: ErrAmbiguous},
		{query: strings.TrimSpace(" 1 "), want: ab.ID},
		{query: "nobody", err: ErrNoContact},
	}
	for _, c := range cases {
		got, err := alice.m.FindContact(ctx, c.query)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("FindContact(%q) = %v, want %v", c.query, err, c.err)
			}
			continue
		}
		if err != nil || got.ID != c.want {
			t.Errorf("FindContact(%q) = %d, %v; want %d", c.query, got.ID, err, c.want)
		}
	}
}

// A malformed code says so; only a well-formed one can differ (defect 8).
func TestVerifyCode(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	sn, err := alice.m.SafetyNumber(ctx, ab.ID)
	if err != nil {
		t.Fatal(err)
	}
	wrong := strings.Repeat("1", keys.SafetyNumberDigits)
	cases := []struct {
		name, code string
		want       error
	}{
		{"four digits", "1234", ErrMalformedCode},
		{"an invite", bob.invite(), ErrMalformedCode},
		{"letters", "abc" + sn.String(), ErrMalformedCode},
		{"another number", wrong, ErrCodeMismatch},
		{"the number in groups", sn.Display(), nil},
		{"its QR text", keys.QRPayload(sn), nil},
	}
	for _, c := range cases {
		if err := alice.m.VerifyCode(ctx, ab.ID, c.code); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("%s: VerifyCode = %v, want %v", c.name, err, c.want)
		}
	}
}

// Open, ExportBackup and Restore: the messenger owns its profile.
func TestOwnedProfileRestore(t *testing.T) {
	ctx := context.Background()
	p := Profile{Dir: filepath.Join(t.TempDir(), "p"), Listen: "127.0.0.1:0",
		Store: []store.Option{store.WithKDF(testKDF)}}
	pass := []byte("a long passphrase")
	if _, err := Create(ctx, p, "dora", []byte("short")); !errors.Is(err, ErrShortPassphrase) {
		t.Fatalf("Create with a short passphrase = %v", err)
	}
	m, err := Create(ctx, p, "dora", pass)
	if err != nil {
		t.Fatal(err)
	}
	bob := newProfile(t, "bob", "")
	if _, err := m.AddContact(ctx, bob.invite(), "bob"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.rcb")
	key, err := m.ExportBackup(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if _, err := Open(ctx, p, []byte("wrong passphrase")); !errors.Is(err, store.ErrWrongPassphrase) {
		t.Fatalf("Open with a wrong passphrase = %v", err)
	}
	m, err = Open(ctx, p, pass)
	if err != nil {
		t.Fatal(err)
	}
	// A cancelled restore leaves the profile as it was and still hands
	// back a messenger (issue 8, defect 10: esc while restoring).
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	m, _, err = m.Restore(cancelled, path, key, nil)
	if !errors.Is(err, context.Canceled) || m == nil {
		t.Fatalf("cancelled Restore = %v, %v; want context.Canceled and a messenger", m, err)
	}
	if _, err := m.FindContact(ctx, "bob"); err != nil {
		t.Fatalf("after a cancelled restore: %v", err)
	}
	next, res, err := m.Restore(ctx, path, key, nil)
	if err != nil || res.Contacts != 1 {
		t.Fatalf("Restore = %+v, %v", res, err)
	}
	defer next.Close()
	if _, err := next.FindContact(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if next.Home() != m.Home() {
		t.Fatalf("home moved from %s to %s", m.Home(), next.Home())
	}
}

// startBare creates a profile and starts its messenger without waiting
// for anything, as the command line does.
func startBare(t *testing.T, name, relay string) *Messenger {
	t.Helper()
	st, err := store.Create(filepath.Join(t.TempDir(), name), []byte("passphrase "+name), store.WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := CreateProfile(context.Background(), st, name, nil); err != nil {
		t.Fatal(err)
	}
	m, err := Start(context.Background(), testConfig(st, relay))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// In relay mode a profile is ready once its prekeys are at the relay: a
// fresh profile's invite works as soon as Ready returns (issue 8: "no
// prekeys" otherwise).
func TestReadyInRelayMode(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	a := newProfile(t, "a", relay.addr)
	for round := range 3 { // back to back, as `init` then `add` would
		b := startBare(t, fmt.Sprintf("b%d", round), relay.addr)
		wait, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := b.Ready(wait)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		inv, err := b.Invite()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.m.AddContact(ctx, inv, ""); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	// A relay nobody answers at: Ready gives up with the context.
	dead := startBare(t, "dead", "127.0.0.1:1")
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := dead.Ready(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ready with no relay = %v", err)
	}
}

// A backup of another identity is refused unless forced, by a running
// messenger and on a closed profile alike; forced, the backup's identity
// replaces the profile's and the old database is kept aside.
func TestRestoreOtherIdentity(t *testing.T) {
	ctx := context.Background()
	pass := []byte("a long passphrase")
	newOwned := func(name string) (Profile, *Messenger) {
		p := Profile{Dir: filepath.Join(t.TempDir(), name), Listen: "127.0.0.1:0",
			Store: []store.Option{store.WithKDF(testKDF)}}
		m, err := Create(ctx, p, name, pass)
		if err != nil {
			t.Fatal(err)
		}
		return p, m
	}
	_, dora := newOwned("dora")
	path := filepath.Join(t.TempDir(), "dora.rcb")
	key, err := dora.ExportBackup(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	doraID := dora.Identity()
	dora.Close()

	ep, eve := newOwned("eve")
	eveID := eve.Identity()
	eve, _, err = eve.Restore(ctx, path, key, nil)
	var oe *OtherIdentityError
	if !errors.Is(err, ErrOtherIdentity) || !errors.As(err, &oe) || eve == nil {
		t.Fatalf("Restore of another identity = %v", err)
	}
	if !oe.Profile.Equal(eveID) || !oe.Backup.Equal(doraID) || !eve.Identity().Equal(eveID) {
		t.Fatal("the refused restore changed the identity or misnamed the keys")
	}
	eve.Close()
	if _, err := RestoreProfile(ctx, ep, path, key, pass, nil); !errors.Is(err, ErrOtherIdentity) {
		t.Fatalf("RestoreProfile of another identity = %v", err)
	}
	if _, err := RestoreProfile(ctx, ep, path, key, pass, nil, ForceRestore()); err != nil {
		t.Fatalf("forced RestoreProfile = %v", err)
	}
	aside, _ := filepath.Glob(filepath.Join(ep.Dir, "ratchat.db.replaced-*"))
	if len(aside) != 1 {
		t.Fatalf("kept aside: %v", aside)
	}

	_, fay := newOwned("fay")
	fay, _, err = fay.Restore(ctx, path, key, nil, ForceRestore())
	if err != nil {
		t.Fatalf("forced Restore = %v", err)
	}
	defer fay.Close()
	if !fay.Identity().Equal(doraID) {
		t.Fatal("the forced restore did not bring the backup's identity")
	}
}
