package chat

import (
	"context"
	"errors"
	"fmt"

	"ratchat/session"
	"ratchat/store"
)

// A control message is committed with its sender's session state, and
// the session then drops it as a duplicate if it comes again: so what
// applying it needs is kept in the same transaction
// ([store.Store.CommitControl]), applied after, and forgotten once
// applied. An effect cut short (a store error, the process killed) is
// applied at the next connection to the home ([Messenger.applyPending]),
// not lost: at least once, and each control's effect may come twice
// (a receipt, a token, a profile, a timer's line).

// keptV is the version of a kept control message's encoding: the
// version, a flags byte, then the message's plaintext.
const keptV = 1

// keptNewSession flags a control message that started its session.
const keptNewSession = 1

// errBadKept says a kept control message cannot be read back.
var errBadKept = errors.New("chat: a kept control message is malformed")

// keepsEffect reports whether applying a control message of kind k is
// kept until done. Not typing (it means nothing later), nor a file chunk
// (its transfer asks again for what it lacks, and a chunk kept twice
// would write its bytes twice), nor a newer version's kind, ignored (its
// content is left empty, kind 0).
func keepsEffect(k Kind) bool {
	return k != 0 && k != KindTyping && k != KindFileChunk
}

// encodeKept is what applying in's control message needs, to keep.
func encodeKept(in *incoming) []byte {
	var flags byte
	if in.result.NewSession {
		flags |= keptNewSession
	}
	return append([]byte{keptV, flags}, in.result.Plaintext...)
}

// decodeKept reads back a kept control message: its content, and whether
// it started its session.
func decodeKept(b []byte) (*Content, bool, error) {
	if len(b) < 2 || b[0] != keptV || b[1]&^keptNewSession != 0 {
		return nil, false, errBadKept
	}
	c, err := parseContent(b[2:])
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", errBadKept, err)
	}
	return c, b[1]&keptNewSession != 0, nil
}

// maxKeptAttempts bounds the applications of a kept control message:
// one that failed this often is dropped, saying so, rather than hold up
// every connection to the home.
const maxKeptAttempts = 3

// applyPending applies the control messages committed and not yet
// applied, oldest first; the home loop calls it before taking deliveries,
// so that they apply in the order they came. One that can never apply
// (its contact gone, its content unreadable) is dropped, saying so;
// another failure (a store error) ends the connection, to try again at
// the next, up to maxKeptAttempts times.
func (m *Messenger) applyPending(ctx context.Context) error {
	for {
		kept, err := m.st.PendingControls(ctx)
		if err != nil || len(kept) == 0 {
			return err
		}
		for _, p := range kept {
			if err := m.applyKept(ctx, p); err != nil {
				return err
			}
		}
	}
}

// applyKept applies one kept control message and forgets it.
func (m *Messenger) applyKept(ctx context.Context, p store.PendingControl) error {
	content, newSession, err := decodeKept(p.Body)
	var contact store.Contact
	if err == nil {
		contact, err = m.st.Contact(ctx, p.Contact)
	}
	if err == nil {
		in := &incoming{contact: contact, known: true, content: content,
			result: &session.Decrypted{NewSession: newSession}}
		err = m.applyControl(ctx, in)
	}
	switch {
	case err == nil:
	case errors.Is(err, errBadKept), errors.Is(err, store.ErrNotFound), errors.Is(err, errUndeliverable),
		p.Attempts+1 >= maxKeptAttempts:
		m.log.Warn("dropping a control message kept to apply", "attempts", p.Attempts+1, "err", err)
	default:
		if failErr := m.st.ControlFailed(ctx, p.ID); failErr != nil {
			return failErr
		}
		return fmt.Errorf("chat: applying a kept control message: %w", err)
	}
	return m.st.ControlApplied(ctx, p.ID)
}
