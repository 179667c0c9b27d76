package chat

import (
	"context"
	"errors"
	"sync"
	"time"

	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// Deposit tokens (docs/TRANSPORT.md). Our invite carries our request
// token; every contact we start a session with gets a contact token of
// its own, inside the session ([KindToken]). Both are registered at our
// home, which refuses deposits without one. We deposit at a contact's
// home with the token it gave us, or, until it has, with the request
// token of its invite.

// tokenRegisterTimeout bounds registering or revoking tokens at the home
// outside the home loop.
const tokenRegisterTimeout = 10 * time.Second

// tokenState is the messenger's view of its home connection, for
// registering tokens the moment they are made, and the cached request
// token.
type tokenState struct {
	mu      sync.Mutex
	conn    *transport.Conn // the home connection while serveHome runs
	request transport.Token // zero until loaded or made
}

// errNoToken says that we hold no token for a contact's home yet: its
// items wait, without counting an attempt, until its token arrives.
var errNoToken = errors.New("chat: no deposit token for this contact yet")

// issueRequestToken makes the request token of a new profile.
func issueRequestToken(ctx context.Context, st *store.Store, m *Messenger) error {
	t, err := transport.NewToken(m.rand)
	if err != nil {
		return err
	}
	return st.IssueToken(ctx, store.DepositToken{Kind: uint8(transport.TokenRequest), Token: t})
}

// requestToken returns our request token, making one for a profile from
// before deposit tokens.
func (m *Messenger) requestToken(ctx context.Context) (transport.Token, error) {
	m.tokens.mu.Lock()
	defer m.tokens.mu.Unlock()
	if !m.tokens.request.IsZero() {
		return m.tokens.request, nil
	}
	all, err := m.st.IssuedTokens(ctx)
	if err != nil {
		return transport.Token{}, err
	}
	for _, t := range all {
		if t.Contact == 0 && !t.Revoked && t.Kind == uint8(transport.TokenRequest) {
			m.tokens.request = t.Token
		}
	}
	if m.tokens.request.IsZero() {
		if err := issueRequestToken(ctx, m.st, m); err != nil {
			return transport.Token{}, err
		}
		m.tokens.mu.Unlock()
		t, err := m.requestToken(ctx)
		m.tokens.mu.Lock()
		if err != nil {
			return transport.Token{}, err
		}
		m.register(ctx, []transport.TokenEntry{{Kind: transport.TokenRequest, Token: t}}, nil)
		return t, nil
	}
	return m.tokens.request, nil
}

// syncTokens registers every token we handed out at the home, and
// revokes the revoked ones (both idempotent), on every connection: a
// token made or revoked while the home was away reaches it now. From
// then on until the connection ends, new tokens are registered at once.
// It holds m.tokens.mu from reading the tokens until the connection is
// set, so that a token issued meanwhile ([Messenger.giveToken] stores it,
// then takes the lock to register it) is either read here or registered
// on the new connection, never missed by both.
func (m *Messenger) syncTokens(ctx context.Context, conn *transport.Conn) error {
	if _, err := m.requestToken(ctx); err != nil {
		return err
	}
	m.tokens.mu.Lock()
	defer m.tokens.mu.Unlock()
	all, err := m.st.IssuedTokens(ctx)
	if err != nil {
		return err
	}
	var add []transport.TokenEntry
	var revoke []transport.Token
	for _, t := range all {
		if t.Revoked {
			revoke = append(revoke, t.Token)
		} else {
			add = append(add, transport.TokenEntry{Kind: transport.TokenKind(t.Kind), Token: t.Token})
		}
	}
	if len(add) > 0 {
		if err := conn.AddTokens(ctx, add); err != nil {
			return err
		}
	}
	if len(revoke) > 0 {
		if err := conn.RevokeTokens(ctx, revoke); err != nil {
			return err
		}
	}
	m.tokens.conn = conn
	return nil
}

// homeGone forgets the home connection conn.
func (m *Messenger) homeGone(conn *transport.Conn) {
	m.tokens.mu.Lock()
	if m.tokens.conn == conn {
		m.tokens.conn = nil
	}
	m.tokens.mu.Unlock()
}

// register adds and revokes tokens at the home if it is connected; if it
// is not, or this fails, the next connection's sync does it. The caller
// holds m.tokens.mu.
func (m *Messenger) register(ctx context.Context, add []transport.TokenEntry, revoke []transport.Token) {
	conn := m.tokens.conn
	if conn == nil {
		return
	}
	ctx, stop := m.untilClosed(ctx) // the next connection's sync does what is cut short
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, tokenRegisterTimeout)
	defer cancel()
	var err error
	if len(add) > 0 {
		err = conn.AddTokens(ctx, add)
	}
	if err == nil && len(revoke) > 0 {
		err = conn.RevokeTokens(ctx, revoke)
	}
	if err != nil {
		m.log.Warn("registering deposit tokens", "err", err)
	}
}

// giveToken makes a fresh contact token for c, registers it at our home
// and sends it to c over s, the session just established. The caller
// holds m.mu.
func (m *Messenger) giveToken(ctx context.Context, c store.Contact, s *session.Session) error {
	t, err := transport.NewToken(m.rand)
	if err != nil {
		return err
	}
	err = m.st.IssueToken(ctx, store.DepositToken{Contact: c.ID, Kind: uint8(transport.TokenContact), Token: t})
	if err != nil {
		return err
	}
	m.tokens.mu.Lock()
	m.register(ctx, []transport.TokenEntry{{Kind: transport.TokenContact, Token: t}}, nil)
	m.tokens.mu.Unlock()
	content := &Content{Kind: KindToken, Token: t}
	if err := m.stamp(content); err != nil {
		return err
	}
	if s == nil {
		return m.sendControl(ctx, c, content)
	}
	return m.sendControlWith(ctx, c, s, content)
}

// applyToken keeps the contact token a contact gave us, and lets the
// items that waited for it go.
func (m *Messenger) applyToken(ctx context.Context, contact store.Contact, c *Content) error {
	err := m.st.SetContactToken(ctx, store.DepositToken{Contact: contact.ID,
		Kind: uint8(transport.TokenContact), Token: c.Token})
	m.wakeOutbox()
	return err
}

// keepInviteToken keeps the request token of a contact's invite, to
// deposit with until the contact gives us a token of its own. An invite
// added again replaces the token we hold: the contact token it gave us
// may have been revoked since (it removed or blocked us), and the invite
// is what it hands out now; if it still counts us as a contact, the new
// session brings a fresh contact token ([Messenger.answerProfile]).
func (m *Messenger) keepInviteToken(ctx context.Context, id store.ContactID, t transport.Token) error {
	return m.st.SetContactToken(ctx, store.DepositToken{Contact: id, Kind: uint8(transport.TokenRequest), Token: t})
}

// depositToken returns the token to deposit with at c's home, or
// errNoToken.
func (m *Messenger) depositToken(ctx context.Context, c store.Contact) (transport.Token, error) {
	t, err := m.st.ContactToken(ctx, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		// A member we know only through a group: the group's token.
		return m.groupToken(ctx, c)
	}
	return t.Token, err
}

// RevokeToken revokes every deposit token we gave contact: our home
// refuses its deposits from then on (at once if the home is connected,
// else as soon as it is). Blocking a contact or a request calls it.
func (m *Messenger) RevokeToken(ctx context.Context, contact store.ContactID) error {
	revoked, err := m.st.RevokeIssued(ctx, contact)
	if err != nil {
		return err
	}
	tokens := make([]transport.Token, len(revoked))
	for i, t := range revoked {
		tokens[i] = t.Token
	}
	if len(tokens) > 0 {
		m.tokens.mu.Lock()
		m.register(ctx, nil, tokens)
		m.tokens.mu.Unlock()
	}
	return nil
}
