package transport

import (
	"context"
	"testing"
	"time"
)

// TestDepositTokens: a deposit without a token, or with a token the owner
// never registered, or one it revoked, is refused with its own code; one
// with a registered token is delivered.
func TestDepositTokens(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{})
	owner := dialOwner(t, home, alice)
	contact := Token{1, 2, 3}
	if err := owner.AddTokens(ctxT(t), []TokenEntry{{TokenContact, contact}}); err != nil {
		t.Fatal(err)
	}
	if err := owner.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	dep := dialAnon(t, home)
	env := testEnvelope(t, bob, alice.Public, "hi")
	tests := []struct {
		name  string
		token Token
		want  ErrorCode // 0: stored
	}{
		{"no token", Token{}, CodeTokenRequired},
		{"unknown token", Token{9, 9, 9}, CodeTokenRefused},
		{"another owner's token hash", Token{3, 2, 1}, CodeTokenRefused},
		{"registered token", contact, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := dep.Deposit(ctxT(t), alice.Public, tt.token, uniq(env))
			if tt.want != 0 {
				wantCode(t, err, tt.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := nextDelivery(t, owner); d.ID != id {
				t.Fatalf("delivered %d, stored %d", d.ID, id)
			}
		})
	}
	if err := owner.RevokeTokens(ctxT(t), []Token{contact}); err != nil {
		t.Fatal(err)
	}
	_, err := dep.Deposit(ctxT(t), alice.Public, contact, uniq(env))
	wantCode(t, err, CodeTokenRefused)
}

// TestRequestFloodLeavesContacts: 10,000 deposits with the invite's
// request token fill only the request quota; a contact's message, with
// its own token, is still stored and delivered.
func TestRequestFloodLeavesContacts(t *testing.T) {
	alice, bob, mallory := testIdentity(t, 1), testIdentity(t, 2), testIdentity(t, 3)
	lim := noAddrLimits(Limits{MaxEnvelopes: 1000, MaxRequestEnvelopes: 100, RequestRate: 1e9, RequestBurst: 1 << 20})
	home := peerHome(t, alice, lim)
	owner := dialOwner(t, home, alice)
	request, contact := Token{0xaa, 1}, Token{0xbb, 2}
	if err := owner.AddTokens(ctxT(t), []TokenEntry{{TokenRequest, request}, {TokenContact, contact}}); err != nil {
		t.Fatal(err)
	}
	flood := dialAnon(t, home)
	junk := testEnvelope(t, mallory, alice.Public, "junk")
	const n = 10_000
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	results := make(chan error, n)
	for range n {
		go func() {
			_, err := flood.Deposit(ctx, alice.Public, request, uniq(junk))
			results <- err
		}()
	}
	stored, refused := 0, 0
	for range n {
		err := <-results
		switch {
		case err == nil:
			stored++
		default:
			wantCode(t, err, CodeQuotaExceeded)
			refused++
		}
	}
	if stored != 100 || refused != n-100 {
		t.Fatalf("stored %d, refused %d; want 100 and %d", stored, refused, n-100)
	}
	id, err := dialAnon(t, home).Deposit(ctxT(t), alice.Public, contact, testEnvelope(t, bob, alice.Public, "real"))
	if err != nil {
		t.Fatalf("contact's deposit after the flood: %v", err)
	}
	if err := owner.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		d := nextDelivery(t, owner)
		if d.IsCaughtUp() {
			t.Fatalf("contact's envelope %d not delivered among %d", id, i)
		}
		if d.ID == id {
			break
		}
	}
}
