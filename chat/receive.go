package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"ratchat/keys"
	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// errUndeliverable marks an envelope that can never be processed: it is
// acknowledged (so the home deletes it) and dropped. Only the peer's bytes
// earn it: an envelope that does not open, a message the session rejects
// ([session.IsProtocolError]), content that does not parse. Any other
// error is ours (the store failing, a cancelled context) and leaves the
// envelope at the home, which delivers it again.
var errUndeliverable = errors.New("chat: undeliverable envelope")

// undeliverable marks err [errUndeliverable], keeping it as the cause.
func undeliverable(err error) error {
	return fmt.Errorf("%w: %w", errUndeliverable, err)
}

// handleDelivery processes one envelope from the home and queues its
// acknowledgement, which the acker sends once its effects are durable. It
// returns an error only when the connection should be dropped.
func (m *Messenger) handleDelivery(ctx context.Context, acks *acker, d *transport.Deliver) error {
	err := m.receive(ctx, d)
	switch {
	case err == nil:
	case errors.Is(err, errBlocked):
		// Refused in silence, as blocking promises the user.
	case errors.Is(err, errUndeliverable):
		m.log.Warn("dropping an envelope", "err", err)
	default:
		return err // a local failure: leave the envelope for redelivery
	}
	acks.add(d.ID)
	return nil
}

// incoming is one decrypted message on its way to the store.
type incoming struct {
	sender  keys.PublicKey
	contact store.Contact
	known   bool
	session session.Session
	result  *session.Decrypted
	content *Content
	newFile bool // a file offer stored for the first time: prepare its download
	// unsupported is a newer sender's kind this version cannot show:
	// content holds only its kind, id and time.
	unsupported bool
	// received is when our home stored the envelope: the time a decryption
	// error names the message by.
	received time.Time
	// kept is the id of the control message kept until applied (see
	// pending.go), 0 for none.
	kept int64
}

// receive opens, decrypts and stores one envelope.
func (m *Messenger) receive(ctx context.Context, d *transport.Deliver) error {
	opened, err := transport.OpenEnvelope(&m.identity, d.Envelope)
	if err != nil {
		return undeliverable(err)
	}
	if opened.Type == transport.TypePlaintext {
		// A decryption error travels outside any session: the one it
		// reports is broken.
		return m.receiveDecryptionError(ctx, opened)
	}
	if opened.Type == transport.TypeSenderKey {
		// A group message: the member's sender key, not a session.
		return m.receiveGroupMessage(ctx, opened)
	}
	in := &incoming{sender: opened.Sender, received: d.Received}
	control, err := m.decryptAndCommit(ctx, in, opened)
	if err != nil {
		return err
	}
	// The session has taken the message: delivered again, it is dropped
	// as a duplicate. So what it says is applied now even if ctx ends
	// meanwhile (the messenger closing): cut short, it would be lost for
	// good (a contact's deposit token, and with it every later message to
	// that contact).
	ctx = context.WithoutCancel(ctx)
	if in.newFile {
		// Outside the session lock: a file that cannot be received is
		// answered at once.
		m.startIncomingFile(ctx, in.contact, in.content)
	}
	if !control {
		return nil
	}
	// What a control message says (a receipt's statuses, a profile, a
	// chunk) is applied after the session lock is released: it touches no
	// session, and a big receipt must not hold up the next Send.
	err = m.applyControl(ctx, in)
	if in.kept == 0 || err != nil && !errors.Is(err, errUndeliverable) && !errors.Is(err, errBlocked) {
		// Failed, it stays kept: the home loop applies it before the
		// next deliveries.
		return err
	}
	if doneErr := m.st.ControlApplied(ctx, in.kept); doneErr != nil {
		return doneErr
	}
	return err
}

// decryptAndCommit decrypts an envelope's message with its sender's
// session and commits the new state, under the session lock. It reports
// whether the content is a control message, for the caller to apply.
func (m *Messenger) decryptAndCommit(ctx context.Context, in *incoming, opened *transport.OpenedEnvelope) (bool, error) {
	m.lockSessions()
	defer m.mu.Unlock()
	if err := m.loadSender(ctx, in); err != nil {
		return false, err
	}
	var err error
	in.result, err = in.session.Decrypt(m.rand, m.local, preKeyStore{ctx, m.st}, session.MessageType(opened.Type), opened.Message)
	m.counters.decrypted(opened.Type, in.result, err)
	if session.IsProtocolError(err) {
		// Nothing is dropped in silence: the chat says a message was lost
		// (a redelivered duplicate lost nothing), and the sender is asked
		// to send it again.
		// A removed contact is told nothing, as someone unknown.
		if in.known && in.contact.State != store.StateRemoved && !errors.Is(err, session.ErrDuplicate) {
			if lineErr := m.systemLine(ctx, in.contact.ID, store.KindDecryptFailed, 0); lineErr != nil {
				return false, lineErr
			}
			if demErr := m.queueDecryptionError(ctx, in.contact, opened, in.received); demErr != nil {
				return false, demErr
			}
		}
		return false, undeliverable(err)
	}
	if err != nil {
		return false, fmt.Errorf("chat: decrypting: %w", err) // our store failed: retry
	}
	in.content, err = parseContent(in.result.Plaintext)
	if errors.Is(err, ErrUnknownKind) {
		// A newer sender's kind: keep the session in step (the message was
		// authentic). Something a person sent shows as a line saying this
		// version cannot show it; a control message is ignored.
		in.unsupported = in.content.Kind < firstSilentKind
		if !in.unsupported {
			in.content = &Content{}
		}
	} else if err != nil {
		return false, undeliverable(err)
	}
	if !in.known {
		if err := m.addIncomingContact(ctx, in); err != nil {
			return false, err
		}
	}
	if err := m.revive(ctx, in); err != nil {
		return false, err
	}
	return m.commit(ctx, in)
}

// loadSender finds the contact and session an envelope belongs to. An
// unknown sender is someone who added us: a new session, and a contact
// made once the first message decrypts.
func (m *Messenger) loadSender(ctx context.Context, in *incoming) error {
	c, err := m.st.ContactByIdentity(ctx, in.sender)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.State == store.StateBlocked {
		return undeliverable(errBlocked)
	}
	in.contact, in.known = c, true
	return m.loadSession(ctx, c.ID, &in.session)
}

// loadSession reads a contact's session; a missing one, or one a restore
// dropped, leaves s empty.
func (m *Messenger) loadSession(ctx context.Context, id store.ContactID, s *session.Session) error {
	b, err := m.st.Session(ctx, id)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrSessionReset) || err == nil && len(b) == 0 {
		*s = session.Session{}
		return nil
	}
	if err != nil {
		return err
	}
	return s.UnmarshalBinary(b)
}

// commit stores what a decrypted message says, in one transaction with
// the session state and the used prekeys, then reports it. For a control
// message it stores only the state and returns true.
func (m *Messenger) commit(ctx context.Context, in *incoming) (bool, error) {
	state, err := in.session.MarshalBinary()
	if err != nil {
		return false, err
	}
	used, err := m.usedPreKeys(ctx, in.result)
	if err != nil {
		return false, err
	}
	if len(used) > 0 {
		select {
		case m.refill <- struct{}{}:
		default:
		}
	}
	c := in.content
	if c.Kind != KindText && c.Kind != KindFileOffer && !in.unsupported {
		var keep []byte
		if keepsEffect(c.Kind) {
			keep = encodeKept(in)
		}
		in.kept, err = m.st.CommitControl(ctx, in.contact.ID, state, used, keep)
		return true, err
	}
	msg := store.Message{
		Conversation: in.contact.ID, ID: c.ID, Direction: store.Incoming,
		Body: []byte(c.Text), Sent: c.Sent, Received: m.now(),
		Status: store.StatusDelivered, StatusAt: m.now(),
	}
	if in.unsupported {
		msg.Kind = store.KindUnsupported
	}
	if c.QuoteID != (store.MessageID{}) {
		if err := m.checkQuote(ctx, in.contact.ID, &msg, c.QuoteID); err != nil {
			return false, err
		}
	}
	if c.Kind == KindFileOffer {
		msg.Kind, msg.File = store.KindFile, &store.FileInfo{Name: c.Name, Size: int64(c.FileSize)}
		if !acceptsFiles(in.contact) {
			msg.File.State = store.FileWaiting
		}
	}
	if err := m.expiry(ctx, in.contact.ID, &msg); err != nil {
		return false, err
	}
	seq, inserted, err := m.st.CommitReceived(ctx, store.Received{Message: msg, Session: state, UsedPreKeys: used})
	if err != nil {
		return false, err
	}
	msg.Seq = seq
	m.expiryStored(&msg)
	if inserted {
		m.counters.received()
		m.events.emit(MessageReceived{Contact: in.contact.ID, Message: msg})
		in.newFile = c.Kind == KindFileOffer
	}
	// Acknowledge even a duplicate: the sender may have missed our receipt.
	// A request gets no receipt until it is accepted: a receipt would tell
	// a stranger that this profile is alive and reads them.
	if in.contact.State == store.StateContact {
		m.deliveryReceipt(in.contact.ID, c.ID)
	}
	return false, nil
}
