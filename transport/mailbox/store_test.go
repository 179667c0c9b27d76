package mailbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ratchat/keys"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func owner(t testing.TB) keys.PublicKey {
	t.Helper()
	kp, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return kp.Public
}

func open(t testing.TB, dir string, o Options) *Store {
	t.Helper()
	s, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestDepositPendingAck(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	alice, bob := owner(t), owner(t)
	if _, err := s.Deposit(alice, []byte("x"), t0); !errors.Is(err, ErrUnknownMailbox) {
		t.Fatalf("deposit to unregistered: %v", err)
	}
	for _, o := range []keys.PublicKey{alice, bob} {
		if created, err := s.Register(o, t0); err != nil || !created {
			t.Fatal(created, err)
		}
	}
	if created, _ := s.Register(alice, t0); created {
		t.Fatal("registered twice")
	}
	var ids []uint64
	for i := range 3 {
		id, err := s.Deposit(alice, []byte{byte(i)}, t0.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := s.Deposit(bob, []byte("b"), t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.Pending(context.Background(), alice, 0, time.Time{}, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("pending: %v %v", got, err)
	}
	for i, e := range got {
		if e.ID != ids[i] || !bytes.Equal(e.Body, []byte{byte(i)}) || !e.Received.Equal(t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("envelope %d: %+v", i, e)
		}
	}
	// Bob cannot delete Alice's envelopes.
	if n, err := s.Ack(bob, ids); err != nil || n != 0 {
		t.Fatalf("bob acked %d, %v", n, err)
	}
	if n, err := s.Ack(alice, ids[:2]); err != nil || n != 2 {
		t.Fatalf("ack: %d %v", n, err)
	}
	got, _ = s.Pending(context.Background(), alice, 0, time.Time{}, 10)
	if len(got) != 1 || got[0].ID != ids[2] {
		t.Fatalf("after ack: %+v", got)
	}
	if c, b, _ := s.Usage(context.Background(), alice); c != 1 || b != 1 {
		t.Fatalf("usage %d %d", c, b)
	}
}

func TestQuota(t *testing.T) {
	s := open(t, t.TempDir(), Options{MaxEnvelopes: 2, MaxBytes: 10})
	a := owner(t)
	s.Register(a, t0)
	if _, err := s.Deposit(a, make([]byte, 11), t0); !errors.Is(err, ErrQuota) {
		t.Fatalf("bytes quota: %v", err)
	}
	for range 2 {
		if _, err := s.Deposit(a, []byte("1"), t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Deposit(a, []byte("1"), t0); !errors.Is(err, ErrQuota) {
		t.Fatalf("count quota: %v", err)
	}
}

func TestExpireAndReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := owner(t)
	s.Register(a, t0)
	s.Deposit(a, []byte("old"), t0)
	s.Deposit(a, []byte("new"), t0.Add(time.Hour))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deposit(a, []byte("x"), t0); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
	s = open(t, dir, Options{})
	n, size, err := s.Expire(t0.Add(time.Minute))
	if err != nil || n != 1 || size != 3 {
		t.Fatalf("expire: %d %d %v", n, size, err)
	}
	got, _ := s.Pending(context.Background(), a, 0, time.Time{}, 10)
	if len(got) != 1 || string(got[0].Body) != "new" {
		t.Fatalf("after expire: %+v", got)
	}
	if c, b, _ := s.Usage(context.Background(), a); c != 1 || b != 3 {
		t.Fatalf("usage %d %d", c, b)
	}
}

func TestPreKeys(t *testing.T) {
	s := open(t, t.TempDir(), Options{MaxPreKeys: 3})
	a := owner(t)
	if _, err := s.TakePreKeys(a); !errors.Is(err, ErrUnknownMailbox) {
		t.Fatal(err)
	}
	s.Register(a, t0)
	if _, err := s.TakePreKeys(a); !errors.Is(err, ErrNoPreKeys) {
		t.Fatal(err)
	}
	up := PreKeyUpload{Signed: []byte("spk"), LastResort: []byte("lr"),
		OneTime: []PreKey{{1, []byte("o1")}, {2, []byte("o2")}}, KEM: []PreKey{{7, []byte("k7")}}}
	if err := s.PutPreKeys(a, up); err != nil {
		t.Fatal(err)
	}
	h, err := s.TakePreKeys(a)
	if err != nil || h.OneTime.ID != 1 || h.KEM.ID != 7 || h.OneTimeLeft != 1 || h.KEMLeft != 0 || string(h.LastResort) != "lr" {
		t.Fatalf("first: %+v %v", h, err)
	}
	h, _ = s.TakePreKeys(a)
	if h.OneTime == nil || h.OneTime.ID != 2 || h.KEM != nil {
		t.Fatalf("second: %+v", h)
	}
	h, _ = s.TakePreKeys(a)
	if h.OneTime != nil || h.KEM != nil || string(h.Signed) != "spk" {
		t.Fatalf("third: %+v", h)
	}
	up.OneTime = []PreKey{{3, []byte("o")}, {4, []byte("o")}, {5, []byte("o")}, {6, []byte("o")}}
	if err := s.PutPreKeys(a, up); !errors.Is(err, ErrQuota) {
		t.Fatalf("quota: %v", err)
	}
	if o, k, _ := s.PreKeyCounts(context.Background(), a); o != 0 || k != 0 {
		t.Fatalf("failed upload left %d %d", o, k)
	}
}

// TestConcurrentDepositsBatched checks that concurrent writers are all
// answered and counted exactly.
func TestConcurrentDepositsBatched(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	a := owner(t)
	s.Register(a, t0)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := s.Deposit(a, []byte("e"), t0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if c, _, _ := s.Usage(context.Background(), a); c != 50 {
		t.Fatalf("count %d", c)
	}
}

func TestHomeIdentityPersists(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, Options{})
	k1, err := s.HomeIdentity(context.Background(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir, Options{})
	k2, _ := s.HomeIdentity(context.Background(), rand.Reader)
	if k1 != k2 {
		t.Fatal("home identity changed across reopen")
	}
}

// TestLockedDataDir checks that a second store on one data folder is
// refused while the first is open, and accepted once it closed.
func TestLockedDataDir(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir, Options{})
	var locked *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &locked) || locked.Dir != dir {
		t.Fatalf("second open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	open(t, dir, Options{})
}

// TestUpgradeFromVersion1 checks that a version-1 database (with the
// index on received_ms) is upgraded in place, keeping its envelopes and
// the highest id ever given.
func TestUpgradeFromVersion1(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, FileName)))
	if err != nil {
		t.Fatal(err)
	}
	a := owner(t)
	for _, q := range []string{schemaSQL, `PRAGMA user_version = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Exec(`INSERT INTO mailboxes (owner, created_ms) VALUES (?, 0)`, a[:])
	db.Exec(`INSERT INTO envelopes (owner, received_ms, size, body) VALUES (?, 0, 1, x'01'), (?, 0, 1, x'02')`, a[:], a[:])
	db.Exec(`DELETE FROM envelopes WHERE id = 2`)
	db.Close()
	s := open(t, dir, Options{})
	var v, n int
	s.db.QueryRow(`PRAGMA user_version`).Scan(&v)
	s.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'envelopes_received'`).Scan(&n)
	if v != schemaVersion || n != 0 {
		t.Fatalf("version %d, old index %d", v, n)
	}
	id, err := s.Deposit(a, []byte("x"), t0)
	if err != nil || id != 3 {
		t.Fatalf("deposit after upgrade: id %d (want 3, never reusing 2), %v", id, err)
	}
	if c, _, _ := s.Usage(context.Background(), a); c != 2 {
		t.Fatalf("count %d", c)
	}
}

// TestGroupedAcksOnlyOwn checks the grouped DELETE: Acks of several
// owners committed together delete exactly their own envelopes, each
// counted for the Ack that named it.
func TestGroupedAcksOnlyOwn(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	alice, bob := owner(t), owner(t)
	s.Register(alice, t0)
	s.Register(bob, t0)
	var aliceIDs, bobIDs []uint64
	for range 20 {
		id, _ := s.Deposit(alice, []byte("a"), t0)
		aliceIDs = append(aliceIDs, id)
		id, _ = s.Deposit(bob, []byte("bb"), t0)
		bobIDs = append(bobIDs, id)
	}
	var wg sync.WaitGroup
	counts := make([]int, 40)
	for i := range 20 {
		wg.Go(func() { counts[i], _ = s.Ack(bob, aliceIDs[i:i+1]) }) // not bob's: ignored
		wg.Go(func() { counts[20+i], _ = s.Ack(alice, aliceIDs[i:i+1]) })
	}
	wg.Wait()
	for i, n := range counts {
		if want := map[bool]int{false: 0, true: 1}[i >= 20]; n != want {
			t.Fatalf("ack %d deleted %d, want %d", i, n, want)
		}
	}
	if c, b, _ := s.Usage(context.Background(), alice); c != 0 || b != 0 {
		t.Fatalf("alice: %d %d", c, b)
	}
	if n, err := s.Ack(bob, bobIDs); n != 20 || err != nil {
		t.Fatalf("bob: %d %v", n, err)
	}
	// The cached counts agree with the database.
	if _, err := s.Deposit(bob, []byte("x"), t0); err != nil {
		t.Fatal(err)
	}
	if c, b, _ := s.Usage(context.Background(), bob); c != 1 || b != 1 {
		t.Fatalf("bob after: %d %d", c, b)
	}
}

// TestIDsNeverReused: the writer gives ids itself; deleting the newest
// envelopes and reopening must not hand out their ids again.
func TestIDsNeverReused(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := owner(t)
	s.Register(a, t0)
	id1, _ := s.Deposit(a, []byte("1"), t0)
	id2, _ := s.Deposit(a, []byte("2"), t0)
	if n, err := s.Ack(a, []uint64{id1, id2}); n != 2 || err != nil {
		t.Fatalf("ack: %d %v", n, err)
	}
	s.Close()
	s = open(t, dir, Options{})
	if id3, err := s.Deposit(a, []byte("3"), t0); err != nil || id3 <= id2 {
		t.Fatalf("after reopen: id %d (last was %d), %v", id3, id2, err)
	}
}
