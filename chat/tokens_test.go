package chat

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"

	"ratchat/keys"
	"ratchat/store"
	"ratchat/transport"
)

// TestContactTokens: after connecting, each side deposits with the
// contact token the other gave it inside the session, not the invite's
// request token; RevokeToken makes the home refuse that token; an invite
// without a token is refused with a clear error.
func TestContactTokens(t *testing.T) {
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	if _, err := bob.m.Send(context.Background(), ba.ID, "hello alice"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("hello alice")
	if _, err := alice.m.Send(context.Background(), ab.ID, "hello bob"); err != nil {
		t.Fatal(err)
	}
	bob.waitText("hello bob")
	for _, side := range []struct {
		p  *profile
		id store.ContactID
	}{{alice, ab.ID}, {bob, ba.ID}} {
		tok, err := side.p.st.ContactToken(context.Background(), side.id)
		if err != nil || tok.Kind != uint8(transport.TokenContact) {
			t.Fatalf("%s: token kind %d, %v; want a contact token", side.p.name, tok.Kind, err)
		}
	}
	held, err := bob.st.ContactToken(context.Background(), ba.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.m.RevokeToken(context.Background(), ab.ID); err != nil {
		t.Fatal(err)
	}
	conn, err := transport.DialAnonymous(context.Background(), alice.m.Home(), transport.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stranger, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	env, err := transport.SealEnvelope(rand.Reader, &stranger, alice.m.Identity(), transport.TypeSignal, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		token transport.Token
		want  transport.ErrorCode
	}{
		{"revoked contact token", held.Token, transport.CodeTokenRefused},
		{"no token", transport.Token{}, transport.CodeTokenRequired},
	} {
		_, err := conn.Deposit(context.Background(), alice.m.Identity(), tt.token, env)
		var refused *transport.RefusedError
		if !errors.As(err, &refused) || refused.Code != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	old, err := transport.Invite{Identity: stranger.Public, Address: "127.0.0.1:1"}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.m.AddContact(context.Background(), old, "old"); !errors.Is(err, ErrInviteWithoutToken) {
		t.Fatalf("old invite: %v", err)
	}
}
