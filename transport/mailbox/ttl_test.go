package mailbox

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"ratchat/internal/testclock"
)

// TestLifetime deposits an envelope with a lifetime next to one without,
// and looks at the store at moments around the expiry: before it, the
// envelope is pending and counted; from it on, neither, and Expire
// deletes it and frees its mailbox's and token's quota (both one
// envelope here), while the other stays.
func TestLifetime(t *testing.T) {
	cases := []struct {
		name     string
		lifetime time.Duration
		at       time.Duration // when to look, after t0
		expired  bool
	}{
		{"just stored", time.Minute, 0, false},
		{"a millisecond before", time.Minute, time.Minute - time.Millisecond, false},
		{"at its expiry", time.Minute, time.Minute, true},
		{"long after", time.Second, time.Hour, true},
		{"no lifetime", 0, 24 * time.Hour, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := testclock.New(t0)
			s := open(t, t.TempDir(), Options{MaxContactEnvelopes: 1, Now: clock.Now})
			a := owner(t)
			if _, err := s.Register(a, t0); err != nil {
				t.Fatal(err)
			}
			short, other := TokenHash{1}, TokenHash{2}
			if err := s.AddTokens(a, []Token{{Hash: short, Kind: TokenContact}, {Hash: other, Kind: TokenContact}}); err != nil {
				t.Fatal(err)
			}
			id, err := s.DepositToken(a, short, []byte("gone"), t0, c.lifetime)
			if err != nil {
				t.Fatal(err)
			}
			keep, err := s.DepositToken(a, other, []byte("kept"), t0, 0)
			if err != nil {
				t.Fatal(err)
			}
			clock.Set(t0.Add(c.at))
			ctx := context.Background()
			want := []uint64{id, keep}
			if c.expired {
				want = []uint64{keep}
			}
			envs, err := s.Pending(ctx, a, 0, time.Time{}, 10)
			if err != nil || !sameIDs(envs, want) {
				t.Fatalf("pending %v, %v; want ids %v", envs, err, want)
			}
			if n, _, err := s.Usage(ctx, a); err != nil || n != len(want) {
				t.Fatalf("usage %d, %v; want %d", n, err, len(want))
			}
			n, size, err := s.Expire(t0.Add(-time.Hour)) // the retention removes nothing here
			if err != nil {
				t.Fatal(err)
			}
			if gone := 2 - len(want); n != gone || size != int64(4*gone) {
				t.Fatalf("expired %d (%d bytes), want %d", n, size, gone)
			}
			// The token's quota of one is free again only if it went.
			_, err = s.DepositToken(a, short, []byte("next"), clock.Now(), 0)
			if c.expired && err != nil || !c.expired && !errors.Is(err, ErrTokenQuota) {
				t.Fatalf("deposit after expiry: %v", err)
			}
		})
	}
}

func sameIDs(envs []Envelope, ids []uint64) bool {
	if len(envs) != len(ids) {
		return false
	}
	for i, e := range envs {
		if e.ID != ids[i] {
			return false
		}
	}
	return true
}

// TestUpgradeFromVersion4 checks that a version-4 database gets the
// expiry column: its envelopes have none and stay, and a deposit with a
// lifetime after the upgrade expires.
func TestUpgradeFromVersion4(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, FileName)))
	if err != nil {
		t.Fatal(err)
	}
	a := owner(t)
	for _, q := range []string{schemaSQL, upgrade2SQL, upgrade3SQL, upgrade4SQL, `PRAGMA user_version = 4`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO mailboxes (owner, created_ms) VALUES (?, 0)`, a[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO envelopes (owner, received_ms, size, body) VALUES (?, ?, 1, x'01')`, a[:], t0.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	clock := testclock.New(t0)
	s := open(t, dir, Options{Now: clock.Now})
	var v int
	s.db.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != schemaVersion {
		t.Fatalf("version %d", v)
	}
	if err := s.AddTokens(a, []Token{{Hash: TokenHash{1}, Kind: TokenRequest}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DepositToken(a, TokenHash{1}, []byte("x"), t0, time.Second); err != nil {
		t.Fatal(err)
	}
	clock.Set(t0.Add(time.Second))
	if n, _, err := s.Expire(t0.Add(-time.Hour)); n != 1 || err != nil {
		t.Fatalf("expired %d, %v", n, err)
	}
	if envs, err := s.Pending(context.Background(), a, 0, time.Time{}, 10); err != nil || len(envs) != 1 || envs[0].ID != 1 {
		t.Fatalf("old envelope after upgrade: %v, %v", envs, err)
	}
}
