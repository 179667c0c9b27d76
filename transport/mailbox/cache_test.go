package mailbox

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"ratchat/keys"
)

// TestCachesBounded fills more mailboxes than the writer caches, then
// checks that its caches stay bounded and that what they forgot is read
// again exactly: tokens still admit and refuse, quotas still count the
// envelopes already stored.
func TestCachesBounded(t *testing.T) {
	defer func(n int) { cachedMailboxes = n }(cachedMailboxes)
	cachedMailboxes = 4
	s := open(t, t.TempDir(), Options{MaxEnvelopes: 3, MaxContactEnvelopes: 2})
	type mb struct {
		owner keys.PublicKey
		token TokenHash
	}
	boxes := make([]mb, 20)
	for i := range boxes {
		boxes[i] = mb{owner(t), TokenHash{byte(i), 1}}
		if _, err := s.Register(boxes[i].owner, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.AddTokens(boxes[i].owner, []Token{{Hash: boxes[i].token, Kind: TokenContact}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DepositToken(boxes[i].owner, boxes[i].token, []byte("one"), t0, 0); err != nil {
			t.Fatal(err)
		}
	}
	cached := func() (usage, tokens int) {
		s.write(func(*sql.Tx) error { usage, tokens = len(s.usage), len(s.tokens); return nil })
		return usage, tokens
	}
	if u, tk := cached(); u > cachedMailboxes+1 || tk > cachedMailboxes+1 {
		t.Errorf("caches hold %d and %d mailboxes, bound %d", u, tk, cachedMailboxes)
	}
	for i, b := range boxes {
		if _, err := s.DepositToken(b.owner, b.token, []byte("two"), t0, 0); err != nil {
			t.Errorf("mailbox %d, second deposit: %v", i, err)
		}
		if _, err := s.DepositToken(b.owner, b.token, []byte("three"), t0, 0); !errors.Is(err, ErrTokenQuota) {
			t.Errorf("mailbox %d, over the token quota: %v", i, err)
		}
		if _, err := s.DepositToken(b.owner, TokenHash{0xee}, []byte("x"), t0, 0); !errors.Is(err, ErrUnknownToken) {
			t.Errorf("mailbox %d, unknown token: %v", i, err)
		}
		if n, _, err := s.Usage(context.Background(), b.owner); err != nil || n != 2 {
			t.Errorf("mailbox %d usage: %d, %v", i, n, err)
		}
	}
}
