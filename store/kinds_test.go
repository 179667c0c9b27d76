package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// kindRows are one row of every kind, with the fields each kind carries.
func kindRows(conv ContactID) []Message {
	at := time.Unix(1_700_000_100, 0)
	local := func(n int, k Kind) Message {
		return Message{Conversation: conv, ID: msgID(n), Direction: Local, Kind: k, Status: StatusSent,
			Sent: at, Received: at, StatusAt: at}
	}
	timer := local(12, KindTimer)
	timer.Timer = 20 * time.Second
	file := testMessage(conv, 13)
	file.Body = nil
	file.Kind, file.File = KindFile, &FileInfo{Name: "report.pdf", Size: 1 << 20, Done: 4096,
		Path: "/tmp/x/report.pdf", State: FileTransferring}
	sent := testMessage(conv, 18)
	sent.Body, sent.Direction = nil, Outgoing
	sent.Kind, sent.File = KindFile, &FileInfo{Name: "a.bin", Size: 300, Done: 300,
		State: FileTransferring, Source: "/home/a/a.bin", SHA256: [32]byte{1, 2, 3}}
	reply := testMessage(conv, 19)
	reply.Quote = msgID(10)
	edited := testMessage(conv, 20)
	edited.Edited = at.Add(time.Minute)
	edited.Versions = []Version{{Body: []byte("first"), At: at}}
	edited.Reactions = []Reaction{{From: Incoming, Emoji: "👍"}, {From: Outgoing, Emoji: "👨‍👩‍👧"}}
	reacted := testMessage(conv, 21) // a file without a source, with a reaction
	reacted.Body, reacted.Kind = nil, KindFile
	reacted.File = &FileInfo{Name: "b.txt", Size: 3, Done: 3, State: FileComplete}
	reacted.Reactions = []Reaction{{From: Outgoing, Emoji: "❤"}}
	deleted := testMessage(conv, 22)
	deleted.Clear()
	unsupported := testMessage(conv, 23)
	unsupported.Body, unsupported.Kind = nil, KindUnsupported
	return []Message{testMessage(conv, 10), local(11, KindKeyChanged), timer, file, sent,
		local(14, KindSessionReset), local(15, KindVerified), local(16, KindUnverified), local(17, KindDecryptFailed),
		reply, edited, reacted, deleted, unsupported}
}

// sameExtra fails the test unless got has want's kind, timer and file.
func sameExtra(t testing.TB, got, want Message) {
	t.Helper()
	sameMessage(t, got, want)
	if got.Kind != want.Kind || got.Timer != want.Timer || !reflect.DeepEqual(got.File, want.File) {
		t.Fatalf("kind, timer, file = %v %v %+v, want %v %v %+v", got.Kind, got.Timer, got.File,
			want.Kind, want.Timer, want.File)
	}
	if got.Quote != want.Quote || !got.Edited.Equal(want.Edited) || len(got.Versions) != len(want.Versions) ||
		!reflect.DeepEqual(got.Reactions, want.Reactions) {
		t.Fatalf("actions = %x %v %+v %+v, want %x %v %+v %+v", got.Quote, got.Edited, got.Versions, got.Reactions,
			want.Quote, want.Edited, want.Versions, want.Reactions)
	}
	for i, v := range want.Versions {
		if g := got.Versions[i]; string(g.Body) != string(v.Body) || !g.At.Equal(v.At) {
			t.Fatalf("version %d = %+v, want %+v", i, g, v)
		}
	}
}

func TestKindsRoundTrip(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	rows := kindRows(bob)
	if _, err := s.InsertMessages(bg, rows); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store) {
		got, _, err := s.Messages(bg, bob, 0, 100)
		if err != nil || len(got) != len(rows) {
			t.Fatalf("Messages = %d rows, %v", len(got), err)
		}
		for i := range rows {
			sameExtra(t, got[i], rows[i])
		}
	}
	check(s)
	// A backup carries the kinds too.
	key, err := NewRecoveryKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	path := exportTo(t, s, key)
	s.Close()
	restored := t.TempDir()
	if err := restoreFile(t, restored, path, key); err != nil {
		t.Fatal(err)
	}
	r, err := Open(restored, []byte("restored pass"), WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	check(r)
}

func TestInvalidKindRefused(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	for name, m := range map[string]Message{
		"file kind without details": {Kind: KindFile},
		"details on a text":         {File: &FileInfo{Name: "x"}},
		"unknown kind":              {Kind: lastKind + 1},
		"unknown direction":         {Direction: Local + 1},
	} {
		base := testMessage(bob, 1)
		base.Kind, base.File = m.Kind, m.File
		if m.Direction != 0 {
			base.Direction = m.Direction
		}
		if _, _, err := s.InsertMessage(bg, base); err == nil {
			t.Errorf("%s: inserted", name)
		}
	}
}

func TestUpdateFile(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	rows := kindRows(bob)
	if _, err := s.InsertMessages(bg, rows); err != nil {
		t.Fatal(err)
	}
	done := FileInfo{Name: "report.pdf", Size: 1 << 20, Done: 1 << 20, Path: "/d/report (1).pdf", State: FileComplete}
	m, err := s.UpdateFile(bg, bob, msgID(13), done)
	if err != nil || *m.File != done {
		t.Fatalf("UpdateFile = %+v, %v", m.File, err)
	}
	got, err := s.Message(bg, bob, msgID(13))
	if err != nil || *got.File != done || got.Seq != m.Seq {
		t.Fatalf("after UpdateFile: %+v, %v", got.File, err)
	}
	if _, err := s.UpdateFile(bg, bob, msgID(10), done); err == nil {
		t.Fatal("UpdateFile of a text message succeeded")
	}
	if _, err := s.UpdateFile(bg, bob, msgID(99), done); err == nil {
		t.Fatal("UpdateFile of a missing message succeeded")
	}
}

func TestReadMarkerAndUnread(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	var ms []Message
	for i := 1; i <= 6; i++ {
		m := testMessage(bob, i)
		if i%3 == 0 {
			m.Direction = Outgoing
		}
		ms = append(ms, m)
	}
	seqs, err := s.InsertMessages(bg, ms)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance, wantOld int64
		wantUnread       int
	}{
		{0, 0, 4},                 // nothing read: the 4 incoming
		{seqs[1], 0, 2},           // read up to message 2: 4 and 5 are left
		{seqs[0], seqs[1], 2},     // never moves back
		{seqs[5], seqs[1], 0},     // everything read
		{seqs[5] + 7, seqs[5], 0}, // past the end is fine
	}
	for i, st := range steps {
		if st.advance != 0 {
			old, err := s.AdvanceReadMarker(bg, bob, st.advance)
			if err != nil || old != st.wantOld {
				t.Fatalf("step %d: AdvanceReadMarker = %d, %v; want %d", i, old, err, st.wantOld)
			}
		}
		if n, err := s.Unread(bg, bob); err != nil || n != st.wantUnread {
			t.Fatalf("step %d: Unread = %d, %v; want %d", i, n, err, st.wantUnread)
		}
	}
	s = reopen(t, s)
	if m, err := s.ReadMarker(bg, bob); err != nil || m != seqs[5]+7 {
		t.Fatalf("ReadMarker after reopen = %d, %v", m, err)
	}
}

func TestMoveLegacyMeta(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	file := testMessage(bob, 2)
	file.Body = []byte("photo.jpg")
	if _, err := s.InsertMessages(bg, []Message{testMessage(bob, 1), file}); err != nil {
		t.Fatal(err)
	}
	id := msgID(2)
	meta := fmt.Sprintf(`{"system":[{"seq":513,"kind":5,"at":"2024-01-02T00:00:00Z","timer":20000000000},`+
		`{"seq":257,"kind":1,"at":"2024-01-01T00:00:00Z"}],"files":{"%s":4242},"order":["%s"]}`,
		hex.EncodeToString(id[:]), hex.EncodeToString(id[:]))
	for name, v := range map[string]string{
		fmt.Sprintf("app.meta.%d", bob): meta,
		"app.meta.999":                  `{"system":[{"kind":1,"at":"2024-01-01T00:00:00Z"}]}`, // contact gone
	} {
		if err := s.SetSetting(bg, name, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.write(bg, func(tx querier) error { return moveLegacyMeta(bg, s, tx) }); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Messages(bg, bob, 0, 10)
	if err != nil || len(got) != 4 {
		t.Fatalf("Messages = %d, %v", len(got), err)
	}
	if f := got[1].File; got[1].Kind != KindFile || f == nil || f.Name != "photo.jpg" || f.Size != 4242 || f.State != FileComplete {
		t.Fatalf("file row = %v %+v", got[1].Kind, f)
	}
	if got[2].Kind != KindKeyChanged || got[3].Kind != KindTimer || got[3].Timer != 20*time.Second || got[3].Direction != Local {
		t.Fatalf("system rows = %v, %v (%v)", got[2].Kind, got[3].Kind, got[3].Timer)
	}
	settings, err := s.Settings(bg)
	if err != nil {
		t.Fatal(err)
	}
	for name := range settings {
		if len(name) > len(legacyMetaPrefix) && name[:len(legacyMetaPrefix)] == legacyMetaPrefix {
			t.Errorf("setting %s left behind", name)
		}
	}
}

// TestKindNames: every kind has its own name, and a kind past the last
// is "unknown".
func TestKindNames(t *testing.T) {
	seen := map[string]Kind{}
	for k := KindText; k <= lastKind; k++ {
		name := k.String()
		if name == "" || name == "unknown" {
			t.Fatalf("kind %d has no name", k)
		}
		if other, dup := seen[name]; dup {
			t.Fatalf("kinds %d and %d are both %q", other, k, name)
		}
		seen[name] = k
	}
	if got := (lastKind + 1).String(); got != "unknown" {
		t.Fatalf("kind %d is %q", lastKind+1, got)
	}
}
