package jetstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"ratchat/internal/natstest"
	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// sortedLines returns n lines with increasing owners.
func sortedLines(n int) []mboxLine {
	lines := make([]mboxLine, n)
	for i := range lines {
		lines[i] = mboxLine{Created: int64(i), Seen: int64(2 * i), Tokens: uint64(i + 1), PreKeys: uint64(i)}
		lines[i].Owner[0], lines[i].Owner[31] = byte(i>>8), byte(i)
	}
	return lines
}

func TestShardRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 3, 300} {
		lines := sortedLines(n)
		got, err := parseShard(marshalShard(lines))
		if err != nil || len(got) != n || (n > 0 && !reflect.DeepEqual(got, lines)) {
			t.Errorf("%d lines: %v", n, err)
		}
	}
}

func TestShardRefused(t *testing.T) {
	good := marshalShard(sortedLines(2))
	swapped := sortedLines(2)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	twice := sortedLines(2)
	twice[1].Owner = twice[0].Owner
	huge := []byte{shardV, 0xff, 0xff, 0xff, 0xff}
	for _, c := range []struct {
		name string
		v    []byte
	}{
		{"empty", nil},
		{"other version", append([]byte{shardV + 1}, good[1:]...)},
		{"cut short", good[:len(good)-1]},
		{"trailing byte", append(slices.Clone(good), 0)},
		{"count past the bound", huge},
		{"out of order", marshalShard(swapped)},
		{"owner twice", marshalShard(twice)},
	} {
		if _, err := parseShard(c.v); !errors.Is(err, ErrRecord) {
			t.Errorf("%s: %v, want ErrRecord", c.name, err)
		}
	}
}

// TestShardsAllUsed checks that owners of one partition spread over all
// its shards.
func TestShardsAllUsed(t *testing.T) {
	used := map[int]int{}
	for range 4000 {
		o := newOwner(t)
		if partition(o, 4) == 0 {
			used[shardOf(o)]++
		}
	}
	if len(used) != shardsPerPartition {
		t.Fatalf("%d of %d shards used: %v", len(used), shardsPerPartition, used)
	}
}

// recordsStored is how many records RATCHAT_RECORDS holds.
func recordsStored(t *testing.T, s *Store) uint64 {
	t.Helper()
	info, err := s.records.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestRecordsReplaced checks that a record replaced or expired is
// deleted: the stream holds one per owner and kind written, no more.
func TestRecordsReplaced(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	waitAllHeld(t, s)
	a, _, _ := ownerWithToken(t, s)
	b, _, _ := ownerWithToken(t, s)
	var more mailbox.TokenHash
	more[0] = 9
	if err := s.AddTokens(a, []mailbox.Token{{Hash: more, Kind: mailbox.TokenContact}}); err != nil {
		t.Fatal(err)
	}
	up := mailbox.PreKeyUpload{Signed: []byte("s"), LastResort: []byte("l"), OneTime: []mailbox.PreKey{{ID: 1}, {ID: 2}}}
	for range 2 {
		if err := s.PutPreKeys(a, up); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.TakePreKeys(a); err != nil {
		t.Fatal(err)
	}
	if n := recordsStored(t, s); n != 3 { // a's tokens and prekeys, b's tokens
		t.Fatalf("%d records stored, want 3", n)
	}
	if m, _, _, err := s.ExpireMailboxes(t0.Add(-time.Millisecond), []keys.PublicKey{a}, t0); err != nil || m != 0 {
		t.Fatalf("expire none: %d %v", m, err)
	}
	if m, _, _, err := s.ExpireMailboxes(t0.Add(time.Millisecond), []keys.PublicKey{b}, t0.Add(2*seenEvery)); err != nil || m != 1 {
		t.Fatalf("expire a: %d %v", m, err)
	}
	if n := recordsStored(t, s); n != 1 {
		t.Fatalf("%d records stored after a expired, want 1", n)
	}
	if n := countAll(t, s); n != 1 {
		t.Fatalf("count %d after expiry, want 1", n)
	}
}

// TestRecordMissing deletes a mailbox's records behind the index's back,
// as a restore of backups taken apart can leave it: the mailbox reads as
// having none, and takes new ones.
func TestRecordMissing(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	owner, contact, _ := ownerWithToken(t, s)
	up := mailbox.PreKeyUpload{Signed: []byte("s"), LastResort: []byte("l"), OneTime: []mailbox.PreKey{{ID: 1}}}
	if err := s.PutPreKeys(owner, up); err != nil {
		t.Fatal(err)
	}
	l, _, err := s.readLine(t.Context(), owner)
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []uint64{l.Tokens, l.PreKeys} {
		if err := s.records.DeleteMsg(t.Context(), seq); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PeekPreKeys(t.Context(), owner); !errors.Is(err, mailbox.ErrNoPreKeys) {
		t.Fatalf("peek with the record missing: %v", err)
	}
	if err := s.PutPreKeys(owner, up); err != nil {
		t.Fatalf("upload with the record missing: %v", err)
	}
	if ot, _, err := s.PreKeyCounts(t.Context(), owner); ot != 1 || err != nil {
		t.Fatalf("counts after: %d %v", ot, err)
	}
	// A front end that reads the mailbox afresh (after its partition moved)
	// finds no tokens, until the owner's client registers them again.
	b := openStore(t, srv, "b", testLimits)
	s.Close()
	waitAllHeld(t, b)
	if _, err := depositWait(b, owner, contact, []byte("x"), t0); !errors.Is(err, mailbox.ErrUnknownToken) {
		t.Fatalf("deposit with the token record missing: %v", err)
	}
	if err := b.AddTokens(owner, []mailbox.Token{{Hash: contact, Kind: mailbox.TokenContact}}); err != nil {
		t.Fatal(err)
	}
	mustDeposit(t, b, owner, contact, []byte("x"))
}

// countAll sums the partitions' mailbox counts.
func countAll(t *testing.T, s *Store) int {
	t.Helper()
	total := 0
	for p := range s.cfg.Partitions {
		n, _, err := s.readCount(t.Context(), p, true)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}

// TestRegisterTogether has two front ends register the same owners at
// once, and take one owner's one-time prekeys at once: each mailbox is
// created once, each prekey handed out once, and the counts agree.
func TestRegisterTogether(t *testing.T) {
	srv := runServer(t)
	lim := testLimits
	lim.MaxPreKeys = 100
	registerTogether(t, []*Store{openStore(t, srv, "a", lim), openStore(t, srv, "b", lim)})
}

// TestRegisterTogetherR3 is TestRegisterTogether on a 3-node cluster,
// where the buckets have 3 replicas: there a compare-and-set that fails
// says so with another error code, which the single node does not show.
func TestRegisterTogetherR3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node NATS cluster")
	}
	c := natstest.Start(t, 3)
	lim := testLimits
	lim.MaxPreKeys = 100
	var fronts []*Store
	for _, name := range []string{"a", "b"} {
		s, err := Open(t.Context(), Config{URLs: c.URLs(), Name: name, Partitions: 8, Replicas: 3,
			LeaseTTL: time.Second, RequestTimeout: 10 * time.Second, Limits: lim, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fronts = append(fronts, s)
	}
	registerTogether(t, fronts)
}

// registerTogether is the body of TestRegisterTogether, on two front
// ends of one relay.
func registerTogether(t *testing.T, fronts []*Store) {
	const n = 60
	owners := make([]keys.PublicKey, n)
	for i := range owners {
		owners[i] = newOwner(t)
	}
	var created atomic.Int32
	var wg sync.WaitGroup
	for _, s := range fronts {
		wg.Go(func() {
			for _, o := range owners {
				c, err := s.Register(o, t0)
				if err != nil {
					t.Error(err)
					return
				}
				if c {
					created.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if created.Load() != n {
		t.Fatalf("%d created, want %d", created.Load(), n)
	}
	for _, o := range owners {
		if ok, err := fronts[1].Registered(t.Context(), o); !ok || err != nil {
			t.Fatalf("not registered: %v", err)
		}
	}
	if c := countAll(t, fronts[0]); c != n {
		t.Errorf("count %d, want %d", c, n)
	}
	up := mailbox.PreKeyUpload{Signed: []byte("s"), LastResort: []byte("l")}
	for i := range 40 {
		up.OneTime = append(up.OneTime, mailbox.PreKey{ID: uint32(i + 1), Record: []byte(fmt.Sprint(i))})
	}
	if err := fronts[0].PutPreKeys(owners[0], up); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[uint32]int{}
	for _, s := range fronts {
		wg.Go(func() {
			for range 20 {
				h, err := s.TakePreKeys(owners[0])
				if err != nil || h.OneTime == nil {
					t.Errorf("take: %+v %v", h, err)
					return
				}
				mu.Lock()
				got[h.OneTime.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for id, k := range got {
		if k != 1 {
			t.Errorf("prekey %d handed out %d times", id, k)
		}
	}
	if len(got) != 40 {
		t.Errorf("%d prekeys handed out, want 40", len(got))
	}
}

// TestMaxMailboxes checks the mailbox cap across front ends: one front
// end's creations count for another that reads the counts after them.
func TestMaxMailboxes(t *testing.T) {
	srv := runServer(t)
	lim := testLimits
	lim.MaxMailboxes = 3
	a := openStore(t, srv, "a", lim)
	for i := range 3 {
		if _, err := a.Register(newOwner(t), t0); err != nil {
			t.Fatalf("mailbox %d: %v", i, err)
		}
	}
	if _, err := a.Register(newOwner(t), t0); !errors.Is(err, mailbox.ErrFull) {
		t.Fatalf("fourth on a: %v", err)
	}
	b := openStore(t, srv, "b", lim)
	if _, err := b.Register(newOwner(t), t0); !errors.Is(err, mailbox.ErrFull) {
		t.Fatalf("fourth on b: %v", err)
	}
}

// TestMigrateRecords writes mailboxes as front ends before the index
// did (a key per owner and kind, layout "8 segments"), then starts a
// front end: the owners, their tokens and prekeys are in the index, a
// damaged owner record is left out, and the old keys are gone.
func TestMigrateRecords(t *testing.T) {
	for _, c := range []struct {
		name, layout string
	}{
		{"old layout", "8 segments"},
		{"a move whose front end died", "8 segments migrating ghost"},
	} {
		t.Run(c.name, func(t *testing.T) { migrateRecords(t, c.layout) })
	}
}

// migrateRecords is TestMigrateRecords with the layout record saying
// layout at the start.
func migrateRecords(t *testing.T, layout string) {
	defer func(d time.Duration) { migrateStale = d }(migrateStale)
	migrateStale = 2 * time.Second
	srv := runServer(t)
	js := natstest.Connect(t, srv.url())
	ctx := t.Context()
	owners, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucketOwners})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucketKeys, MaxValueSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	const parts = 8
	put := func(b jetstream.KeyValue, key string, v []byte) {
		t.Helper()
		if _, err := b.Put(ctx, key, v); err != nil {
			t.Fatal(err)
		}
	}
	put(kv, keyLayout, []byte(layout))
	var tok mailbox.TokenHash
	tok[0] = 1
	pk := &preKeys{Signed: []byte("s"), LastResort: []byte("l"), OneTime: []mailbox.PreKey{{ID: 4, Record: []byte("o4")}}}
	pkv, err := pk.marshal()
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	olds := make([]keys.PublicKey, n)
	for i := range olds {
		o := newOwner(t)
		olds[i] = o
		p := partition(o, parts)
		put(owners, recordKey("o", p, o), ownerRecord{Created: 1, Seen: t0.UnixMilli()}.marshal())
		put(kv, recordKey("t", p, o), marshalTokens(map[mailbox.TokenHash]mailbox.TokenKind{tok: mailbox.TokenContact}))
		if i%2 == 0 {
			put(kv, recordKey("k", p, o), pkv)
		}
	}
	damaged := newOwner(t)
	put(owners, recordKey("o", partition(damaged, parts), damaged), []byte("not a record"))

	s := openStore(t, srv, "a", testLimits)
	for i, o := range olds {
		if ok, err := s.Registered(ctx, o); !ok || err != nil {
			t.Fatalf("owner %d not registered: %v", i, err)
		}
		if _, err := depositWait(s, o, tok, []byte("hi"), t0); err != nil {
			t.Fatalf("owner %d's token: %v", i, err)
		}
		ot, _, err := s.PreKeyCounts(ctx, o)
		if want := 1 - i%2; ot != want || err != nil {
			t.Fatalf("owner %d: %d one-time prekeys, %v; want %d", i, ot, err, want)
		}
	}
	if ok, _ := s.Registered(ctx, damaged); ok {
		t.Error("a damaged owner record was moved")
	}
	if c := countAll(t, s); c != n {
		t.Errorf("count %d, want %d", c, n)
	}
	// Bound again: the front end turned the bucket's direct gets off.
	if kv, err = js.KeyValue(ctx, bucketKeys); err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, keyLayout); err != nil || string(e.Value()) != "8 segments index" {
		t.Errorf("layout after: %v", err)
	}
	if _, err := js.KeyValue(ctx, bucketOwners); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Errorf("owner bucket after: %v", err)
	}
	left, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range left.Keys() {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{keyLayout}; !slices.Equal(names, want) {
		t.Errorf("keys left: %v, want %v", names, want)
	}
	// A second front end starts on the moved layout without moving again.
	before := recordsStored(t, s)
	openStore(t, srv, "b", testLimits)
	if after := recordsStored(t, s); after != before {
		t.Errorf("records %d after a second start, %d before", after, before)
	}
}

// TestLayoutRefused checks the layout records a front end refuses to
// start on.
func TestLayoutRefused(t *testing.T) {
	s := &Store{cfg: Config{Partitions: 8}}
	for _, c := range []struct {
		have string
		want error
	}{
		{"8 segments index", nil},
		{"8 segments", errOldRecords},
		{"8 segments migrating x", errOldRecords},
		{"8", ErrConfig},
		{"16 segments index", ErrConfig},
		{"16 segments", ErrConfig},
		{"8 segments index shards", ErrConfig},
	} {
		if err := s.compareLayout(c.have); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%q: %v, want %v", c.have, err, c.want)
		}
	}
}

// TestIndexGet checks that a read through the leader and a direct read
// agree: on a shard written, on one never written.
func TestIndexGet(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	owner := newOwner(t)
	if _, err := s.Register(owner, t0); err != nil {
		t.Fatal(err)
	}
	p, sh := partition(owner, s.cfg.Partitions), shardOf(owner)
	for _, c := range []struct {
		key  string
		want bool
	}{
		{shardKey(p, sh), true},
		{shardKey(p, (sh+1)%shardsPerPartition), false},
		{countKey(p), true},
	} {
		dv, drev, derr := s.indexGet(t.Context(), c.key, false)
		lv, lrev, lerr := s.indexGet(t.Context(), c.key, true)
		if derr != nil || lerr != nil || !bytes.Equal(dv, lv) || drev != lrev || (drev != 0) != c.want {
			t.Errorf("%s: direct %x@%d %v, leader %x@%d %v", c.key, dv, drev, derr, lv, lrev, lerr)
		}
	}
}

// TestChangeLineBehind gives changeLine a read of the owner's shard from
// before its registration, as a replica behind the leader answers it
// just after a registration on another front end: what depends on the
// line being absent is asked of the leader again, so a token change of a
// mailbox just registered is not refused.
func TestChangeLineBehind(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	owner := newOwner(t)
	if _, err := s.Register(owner, t0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		behind *shardRead // what the replica answered
		fn     func(l *mboxLine, found bool) (lineChange, error)
	}{
		{"shard not yet written", &shardRead{}, needsLine},
		{"shard without the line", &shardRead{lines: []mboxLine{{Owner: newOwner(t)}}, rev: 1}, needsLine},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := s.changeLine(t.Context(), owner, c.behind, c.fn); err != nil {
				t.Fatalf("changing the line of a registered mailbox: %v", err)
			}
		})
	}
	// A change that needs the line reads it from the leader when its own
	// read lacks it: still refused for a mailbox that is nowhere.
	if err := s.changeLine(t.Context(), newOwner(t), &shardRead{}, needsLine); !errors.Is(err, mailbox.ErrUnknownMailbox) {
		t.Fatalf("a mailbox that does not exist: %v", err)
	}
}

// needsLine is a change that refuses a mailbox without a line and keeps
// one that has it.
func needsLine(l *mboxLine, found bool) (lineChange, error) {
	if !found {
		return lineKeep, mailbox.ErrUnknownMailbox
	}
	return lineKeep, nil
}

// TestWhileStarting checks the wait for a stream that answers nobody
// yet: "no responders" is tried again, anything else returned at once,
// and the wait ends with the context.
func TestWhileStarting(t *testing.T) {
	errOther := errors.New("another error")
	for _, c := range []struct {
		name    string
		answers []error // what each try returns; the last one repeats
		cancel  int     // the try that ends the context (0: none)
		want    error
		tries   int
	}{
		{"at once", []error{nil}, 0, nil, 1},
		{"after no responders", []error{nats.ErrNoResponders, jetstream.ErrNoStreamResponse, nil}, 0, nil, 3},
		{"another error", []error{nats.ErrNoResponders, errOther}, 0, errOther, 2},
		{"never answered", []error{nats.ErrNoResponders}, 3, nats.ErrNoResponders, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			tries := 0
			err := whileStarting(ctx, func() error {
				tries++
				if tries == c.cancel {
					cancel()
				}
				return c.answers[min(tries, len(c.answers))-1]
			})
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) || tries != c.tries {
				t.Fatalf("%v after %d tries, want %v after %d", err, tries, c.want, c.tries)
			}
		})
	}
}
