package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratchat/archive"
	"ratchat/internal/testclock"
	"ratchat/store"
)

// archivedEntries reads every record of p's archive.
func archivedEntries(t *testing.T, p *profile) []archive.Entry {
	t.Helper()
	st, err := p.st.ArchiveState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, err := archive.Open(ArchiveDir(p.dir), [archive.KeySize]byte(st.Key), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var out []archive.Entry
	if err := a.Each(time.Time{}, func(e archive.Entry, _ [archive.HashSize]byte) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestArchiveKeepsWhatWasDeleted: bob archives under a legal hold; alice
// writes, edits, reacts and deletes for everyone; bob answers. bob's
// archive has every step in order, the deleted text among them, verifies,
// holds no plaintext in its files, and the audit log has the settings.
func TestArchiveKeepsWhatWasDeleted(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	if err := bob.m.EnableArchive(ctx, 0, "owner"); err != nil {
		t.Fatal(err)
	}
	if err := bob.m.SetArchiveHold(ctx, true, "case 42", "owner"); err != nil {
		t.Fatal(err)
	}
	const canary = "orchid-canary-7731"
	msg, err := alice.m.Send(ctx, ab.ID, "first "+canary)
	if err != nil {
		t.Fatal(err)
	}
	bob.waitText("first " + canary)
	if _, err := alice.m.Edit(ctx, ab.ID, msg.ID, "second "+canary); err != nil {
		t.Fatal(err)
	}
	bob.waitChanged("the edit", msg.ID, func(m store.Message) bool { return string(m.Body) == "second "+canary })
	if _, err := alice.m.React(ctx, ab.ID, msg.ID, "👍"); err != nil {
		t.Fatal(err)
	}
	bob.waitChanged("the reaction", msg.ID, func(m store.Message) bool { return len(m.Reactions) == 1 })
	if _, err := alice.m.Delete(ctx, ab.ID, msg.ID, true); err != nil {
		t.Fatal(err)
	}
	bob.waitChanged("the deletion", msg.ID, func(m store.Message) bool { return m.Kind == store.KindDeleted })
	if _, err := bob.m.Send(ctx, ba.ID, "noted"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.m.DrainArchive(ctx); err != nil {
		t.Fatal(err)
	}

	var kinds []string
	var texts []string
	for _, e := range archivedEntries(t, bob) {
		var c ArchivedMessage
		if err := json.Unmarshal(e.Content, &c); err != nil {
			t.Fatal(err)
		}
		if c.Message != nil && !strings.HasPrefix(c.Message.Kind, "system") && c.Kind != "local" {
			kinds = append(kinds, e.Kind.String())
			texts = append(texts, c.Message.Text)
		}
	}
	want := []string{"in", "edit", "reaction", "delete", "out"}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Fatalf("archived kinds %q (texts %q), want %q", kinds, texts, want)
	}
	if texts[0] != "first "+canary || texts[1] != "second "+canary || texts[3] != "" {
		t.Fatalf("archived texts %q: the deleted message's texts must stay", texts)
	}
	if err := bob.m.VerifyArchive(ctx); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(ArchiveDir(bob.dir), "*"))
	for _, f := range files {
		if b, _ := os.ReadFile(f); bytes.Contains(b, []byte(canary)) {
			t.Fatalf("%s holds the message text in the clear", f)
		}
	}
	var warc bytes.Buffer
	if n, err := bob.m.ExportArchiveWARC(ctx, &warc, time.Time{}, "owner"); err != nil || n < len(want) {
		t.Fatalf("ExportArchiveWARC = %d, %v", n, err)
	}
	log, err := bob.m.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range log {
		actions = append(actions, r.Action)
	}
	if strings.Join(actions, " ") != "archive.enable archive.hold.on archive.export" {
		t.Fatalf("audit log %q", actions)
	}
	if err := bob.m.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestArchiveRetentionAndHold: segments older than the retention are
// pruned, unless a hold is on; the chain verifies from the anchor after.
func TestArchiveRetentionAndHold(t *testing.T) {
	ctx := context.Background()
	clock := testclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	p := newProfileWith(t, "desk", "", func(c *Config) { c.Now = clock.Now })
	bob := addArchiveContact(t, p)
	if err := p.m.EnableArchive(ctx, 10*24*time.Hour, "owner"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // days 0, 8, 16: a segment each (they roll after 7 days)
		m := store.Message{Conversation: bob, ID: store.MessageID{byte(i + 1)}, Direction: store.Incoming,
			Body: []byte("day message"), Sent: clock.Now(), Received: clock.Now(), Status: store.StatusDelivered, StatusAt: clock.Now()}
		if _, _, err := p.st.InsertMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := p.m.DrainArchive(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(8 * 24 * time.Hour)
	}
	if err := p.m.SetArchiveHold(ctx, true, "litigation", "owner"); err != nil {
		t.Fatal(err)
	}
	if n, err := p.m.PruneArchive(ctx); err != nil || n != 0 {
		t.Fatalf("PruneArchive under hold = %d, %v; want nothing pruned", n, err)
	}
	if err := p.m.SetArchiveHold(ctx, false, "", "owner"); err != nil {
		t.Fatal(err)
	}
	// Day 24, retention 10 days: the segments of days 0 and 8 go.
	if n, err := p.m.PruneArchive(ctx); err != nil || n != 2 {
		t.Fatalf("PruneArchive = %d, %v; want 2 segments", n, err)
	}
	if err := p.m.VerifyArchive(ctx); err != nil {
		t.Fatalf("VerifyArchive after pruning: %v", err)
	}
	st, err := p.m.ArchiveStatus(ctx)
	if err != nil || st.Records != 3 || st.First != 3 || st.Segments != 1 {
		t.Fatalf("ArchiveStatus = %+v, %v", st, err)
	}
}

// addArchiveContact adds a contact straight to p's store.
func addArchiveContact(t testing.TB, p *profile) store.ContactID {
	t.Helper()
	id, err := p.st.AddContact(context.Background(), store.Contact{Identity: [32]byte{9}, Name: "bob", Address: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestArchiveDrainAfterCrash: records appended before a crash stopped
// their queue rows' deletion are not appended twice; a head rolled back
// with nothing queued is reported.
func TestArchiveDrainAfterCrash(t *testing.T) {
	ctx := context.Background()
	p := newProfile(t, "desk", "")
	bob := addArchiveContact(t, p)
	if err := p.m.EnableArchive(ctx, 0, "owner"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		m := store.Message{Conversation: bob, ID: store.MessageID{byte(i + 1)}, Direction: store.Incoming,
			Body: []byte("m"), Sent: time.Now(), Received: time.Now(), Status: store.StatusDelivered, StatusAt: time.Now()}
		if _, _, err := p.st.InsertMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// The crash: the first three rows reach the archive, the store never
	// hears of it.
	q, err := p.st.ArchiveQueue(ctx, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	err = p.m.withArchive(ctx, func(a *archive.Archive, _ store.ArchiveState) error {
		var entries []archive.Entry
		for i := range q {
			e, err := p.m.archiveEntry(&q[i])
			if err != nil {
				return err
			}
			entries = append(entries, e)
		}
		_, err := a.Append(entries)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := p.m.DrainArchive(ctx); err != nil || n != 2 {
		t.Fatalf("DrainArchive after the crash = %d, %v; want the 2 rows not yet archived", n, err)
	}
	if err := p.m.VerifyArchive(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(archivedEntries(t, p)); got != 5 {
		t.Fatalf("%d records, want 5", got)
	}
	// Roll the head back: the archive is ahead, and nothing explains it.
	if err := p.st.SetArchiveHead(ctx, store.ChainPoint{Seq: 4, Hash: headHash(t, p, 4)}); err != nil {
		t.Fatal(err)
	}
	err = p.m.VerifyArchive(ctx)
	var ve *archive.VerifyError
	if !errors.Is(err, archive.ErrAhead) || !errors.As(err, &ve) || ve.Seq != 5 {
		t.Fatalf("VerifyArchive with the head rolled back = %v", err)
	}
	if _, err := p.m.DrainArchive(ctx); !errors.Is(err, ErrArchiveAhead) {
		t.Fatalf("DrainArchive with the head rolled back = %v", err)
	}
}

// headHash is the chain hash at seq of p's archive.
func headHash(t *testing.T, p *profile, seq uint64) [archive.HashSize]byte {
	st, _ := p.st.ArchiveState(context.Background())
	a, err := archive.Open(ArchiveDir(p.dir), [archive.KeySize]byte(st.Key), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var out [archive.HashSize]byte
	a.Each(time.Time{}, func(e archive.Entry, h [archive.HashSize]byte) error {
		if e.Seq == seq {
			out = h
		}
		return nil
	})
	return out
}

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7y", DefaultRetention, true},
		{"90d", 90 * 24 * time.Hour, true},
		{"2160h", 90 * 24 * time.Hour, true},
		{"1h", 0, false},  // under a day
		{"0y", 0, false},  // nothing
		{"-5d", 0, false}, // negative
		{"y", 0, false},
		{"200y", 0, false}, // over a century
		{"585y", 0, false}, // its nanoseconds overflow int64: it once wrapped to 167 days
		{"36600d", 0, false},
		{"100y", 100 * year, true},
	}
	for _, tt := range tests {
		got, err := ParseRetention(tt.in)
		if (err == nil) != tt.ok || got != tt.want || (err != nil && !errors.Is(err, ErrRetention)) {
			t.Errorf("ParseRetention(%q) = %v, %v", tt.in, got, err)
		}
		if tt.ok && FormatRetention(got) != strings.TrimSuffix(strings.Replace(tt.in, "2160h", "90d", 1), "") {
			t.Errorf("FormatRetention(%v) = %q", got, FormatRetention(got))
		}
	}
}

// TestArchiveDrainWhileWriting: rows written while drains run are each
// archived exactly once (compared by message row), and the chain
// verifies.
func TestArchiveDrainWhileWriting(t *testing.T) {
	ctx := context.Background()
	p := newProfile(t, "desk", "")
	bob := addArchiveContact(t, p)
	if err := p.m.EnableArchive(ctx, 0, "owner"); err != nil {
		t.Fatal(err)
	}
	const n = 300
	done := make(chan error, 1)
	go func() {
		for i := range n {
			now := time.Now()
			m := store.Message{Conversation: bob, ID: store.MessageID{byte(i >> 8), byte(i)}, Direction: store.Outgoing,
				Body: []byte("w"), Sent: now, Received: now, Status: store.StatusQueued, StatusAt: now}
			if _, _, err := p.st.InsertMessage(ctx, m); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for writing := true; writing; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			writing = false
		default:
		}
		if _, err := p.m.DrainArchive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.m.DrainArchive(ctx); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, e := range archivedEntries(t, p) {
		if e.Kind != archive.KindOut {
			t.Fatalf("record %d is %v, want out", e.Seq, e.Kind)
		}
		seen[e.Message]++
	}
	for row, k := range seen {
		if k != 1 {
			t.Fatalf("row %d archived %d times", row, k)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d rows archived, want %d", len(seen), n)
	}
	if err := p.m.VerifyArchive(ctx); err != nil {
		t.Fatal(err)
	}
}

// FuzzParseRetention: whatever the text, a retention parsed is between a
// day and a century, and one given in years or days is exactly that many.
func FuzzParseRetention(f *testing.F) {
	for _, s := range []string{"7y", "90d", "2160h", "585y", "36600d", "-1y", "1e9y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseRetention(s)
		if err != nil {
			if !errors.Is(err, ErrRetention) {
				t.Fatalf("ParseRetention(%q): %v is no ErrRetention", s, err)
			}
			return
		}
		if d < 24*time.Hour || d > 100*year {
			t.Fatalf("ParseRetention(%q) = %v, out of range", s, d)
		}
		if n, err := strconv.Atoi(s[:len(s)-1]); err == nil && strings.HasSuffix(s, "y") && (int64(d/year) != int64(n) || d%year != 0) {
			t.Fatalf("ParseRetention(%q) = %v, want %d years", s, d, n)
		}
	})
}
