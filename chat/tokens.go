package chat

import (
	"context"

	"ratchat/store"
	"ratchat/transport"
)

// depositToken returns the token to deposit with at c's home.
func (m *Messenger) depositToken(ctx context.Context, c store.Contact) transport.Token {
	return transport.Token{}
}
