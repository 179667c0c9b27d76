package chat

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// TestStoreFailureLeavesEnvelopeAtHome: when bob's store fails while the
// first message from alice is decrypted (its signed prekey record is
// damaged on disk, so the store says store.ErrDecrypt), the envelope is
// not acknowledged: bob drops the home connection with the store's error,
// the home delivers the envelope again, and once the record is repaired
// the message arrives, exactly once.
func TestStoreFailureLeavesEnvelopeAtHome(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	repair := damagePreKey(t, bob, store.KindSignedPreKey, firstLongLivedID)
	ab, err := alice.m.AddContact(ctx, bob.invite(), bob.name)
	if err != nil {
		t.Fatal(err)
	}
	const text = "hello through a failing store"
	sent, err := alice.m.Send(ctx, ab.ID, text)
	if err != nil {
		t.Fatal(err)
	}
	// The damaged record may also fail a prekey upload (which drops the
	// connection too): wait for a drop after the envelope was delivered.
	e := bob.waitFor("home connection dropped by the store error", 10*time.Second, func(e Event) bool {
		h, ok := e.(HomeState)
		return ok && !h.Connected && errors.Is(h.Err, store.ErrDecrypt) && bob.m.server.Stats().EnvelopesDelivered > 0
	})
	if err := e.(HomeState).Err; errors.Is(err, session.ErrUnknownPreKey) || session.IsProtocolError(err) || errors.Is(err, errUndeliverable) {
		t.Fatalf("a store failure was taken for the peer's bad message: %v", err)
	}
	failed := bob.m.server.Stats()
	if failed.EnvelopesDelivered == 0 || failed.EnvelopesAcked != 0 {
		t.Fatalf("home after the failure: %d delivered, %d acknowledged; want some delivered, none acknowledged",
			failed.EnvelopesDelivered, failed.EnvelopesAcked)
	}
	repair()
	got := bob.waitText(text)
	if got.ID != sent.ID {
		t.Fatalf("bob got message %v, alice sent %v", got.ID, sent.ID)
	}
	if after := bob.m.server.Stats(); after.EnvelopesDelivered <= failed.EnvelopesDelivered {
		t.Fatalf("the message arrived without a redelivery: %d delivered, %d before", after.EnvelopesDelivered, failed.EnvelopesDelivered)
	}
	ba, err := bob.st.ContactByIdentity(ctx, alice.m.Identity())
	if err != nil {
		t.Fatal(err)
	}
	if n := countText(t, bob, ba.ID, text); n != 1 {
		t.Fatalf("bob holds %d copies of the message, want 1", n)
	}
	if err := bob.m.Accept(ctx, ba.ID); err != nil { // alice is a request until then: no receipt
		t.Fatal(err)
	}
	alice.waitStatus(sent.ID, store.StatusDelivered)
}

// TestTamperedEnvelopeIsDropped: a message that can never decrypt (its MAC
// fails) is acknowledged and dropped, not retried: the home connection
// stays up, the next message arrives, and the tampered one is nowhere.
func TestTamperedEnvelopeIsDropped(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	// A reply makes alice's session established: her next message is a
	// plain SignalMessage, whose last bytes are its MAC.
	if _, err := bob.m.Send(ctx, ba.ID, "hi"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("hi")
	const tampered, next = "tampered on the way", "the next message"
	sendTampered(t, alice, ab, tampered)
	// Nothing is dropped in silence: bob's chat says a message was lost.
	bob.waitLine(ba.ID, store.KindDecryptFailed)
	if _, err := alice.m.Send(ctx, ab.ID, next); err != nil {
		t.Fatal(err)
	}
	bob.waitFor("message "+next, 10*time.Second, func(e Event) bool {
		if h, ok := e.(HomeState); ok && !h.Connected {
			t.Fatalf("bob's home connection dropped (%v): the tampered envelope was not acknowledged", h.Err)
		}
		r, ok := e.(MessageReceived)
		return ok && string(r.Message.Body) == next
	})
	if n := countText(t, bob, ba.ID, tampered); n != 0 {
		t.Fatalf("bob holds %d copies of the tampered message", n)
	}
}

// damagePreKey damages p's stored prekey record in the database file, as
// a failing disk would: one flipped bit, so that the store can no longer
// open it (store.ErrDecrypt). It returns the repair, which writes the
// record back as it was.
func damagePreKey(t *testing.T, p *profile, kind store.PreKeyKind, id uint32) (repair func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(p.st.Dir(), "ratchat.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	const query = `SELECT record FROM prekeys WHERE kind = ? AND id = ?`
	var record []byte
	if err := db.QueryRow(query, kind, id).Scan(&record); err != nil {
		t.Fatal(err)
	}
	set := func(b []byte) {
		t.Helper()
		res, err := db.Exec(`UPDATE prekeys SET record = ? WHERE kind = ? AND id = ?`, b, kind, id)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("updated %d prekey records (%v), want 1", n, err)
		}
	}
	damaged := bytes.Clone(record)
	damaged[len(damaged)-1] ^= 1
	set(damaged)
	if _, err := p.st.PreKey(context.Background(), store.PreKeyRef{Kind: kind, ID: id}); !errors.Is(err, store.ErrDecrypt) {
		t.Fatalf("damaged prekey reads as %v, want store.ErrDecrypt", err)
	}
	return func() { set(record) }
}

// sendTampered queues in from's outbox, to contact c, the session's next
// message with its last bit (in the MAC) flipped, sealed as the messenger
// seals. The stored session stays as it was, so the next real message
// takes the tampered one's place in the chain.
func sendTampered(t *testing.T, from *profile, c store.Contact, text string) {
	t.Helper()
	ctx := context.Background()
	m := from.m
	m.mu.Lock()
	defer m.mu.Unlock()
	var s session.Session
	if err := m.loadSession(ctx, c.ID, &s); err != nil {
		t.Fatal(err)
	}
	state, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	content := &Content{Kind: KindText, Text: text}
	if err := m.stamp(content); err != nil {
		t.Fatal(err)
	}
	plaintext, err := content.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	typ, msg, err := s.Encrypt(m.rand, plaintext)
	if err != nil || typ != session.TypeSignal {
		t.Fatalf("encrypt: type %d, %v; want a SignalMessage", typ, err)
	}
	msg[len(msg)-1] ^= 1
	envelope, err := transport.SealEnvelope(m.rand, &m.identity, c.Identity, uint8(typ), msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.st.CommitControlSent(ctx, c.ID, state, envelope); err != nil {
		t.Fatal(err)
	}
	m.wakeOutbox()
}

// countText counts the messages of a conversation with this text.
func countText(t *testing.T, p *profile, id store.ContactID, text string) int {
	t.Helper()
	msgs, _, err := p.st.Messages(context.Background(), id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if string(m.Body) == text {
			n++
		}
	}
	return n
}

// appliedCase is a control message with a lasting effect, and how to
// find the effect at the receiver.
type appliedCase struct {
	name    string
	content func() *Content
	// check returns what bob's messenger lacks of sent, or nil.
	check func(m *Messenger, from store.ContactID, sent *Content) error
}

// appliedCases are the control messages whose effect must not be lost
// once their session state is committed.
func appliedCases(ctx context.Context) []appliedCase {
	return []appliedCase{
		{
			// The case that failed: without alice's token bob deposits
			// nothing at her home, his file's confirmation included.
			name: "a deposit token",
			content: func() *Content {
				c := &Content{Kind: KindToken}
				rand.Read(c.Token[:])
				return c
			},
			check: func(m *Messenger, from store.ContactID, sent *Content) error {
				got, err := m.st.ContactToken(ctx, from)
				if err == nil && got.Token != sent.Token {
					err = errors.New("the token held is another")
				}
				return err
			},
		},
		{
			name: "a timer",
			content: func() *Content {
				return &Content{Kind: KindTimer, Timer: time.Hour}
			},
			check: func(m *Messenger, from store.ContactID, sent *Content) error {
				got, err := m.Timer(ctx, from)
				if err == nil && got != sent.Timer {
					err = fmt.Errorf("timer %v, want %v", got, sent.Timer)
				}
				return err
			},
		},
		{
			// The offer's row is committed with the session; its download
			// is prepared after.
			name: "a file offer",
			content: func() *Content {
				return &Content{Kind: KindFileOffer, Name: "notes.txt", FileSize: 10, FileChunks: 1}
			},
			check: func(m *Messenger, from store.ContactID, sent *Content) error {
				_, ok, err := m.incomingFrom(ctx, from, sent.FileID)
				if err == nil && !ok {
					err = errors.New("no download prepared")
				}
				return err
			},
		},
	}
}

// TestAppliedOnceCommitted: a message whose session state is committed is
// a duplicate to the session from then on, so what it says must be
// applied even if the messenger closes right after the commit (the home
// loop's context ends): its redelivery is dropped unread. Bob's messenger,
// not started (nothing else commits), receives each message with a
// context that ends at the first commit, then again as the home would
// deliver it over the next connection.
func TestAppliedOnceCommitted(t *testing.T) {
	ctx := context.Background()
	tests := appliedCases(ctx)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bob, off, ba, sent, env := sealedToBob(t, tt)
			d := &transport.Deliver{ID: 1, Received: time.Now(), Envelope: env}
			first := off.receive(endsAtCommit(bob.st), d)
			if err := off.receive(ctx, d); !errors.Is(err, session.ErrDuplicate) {
				t.Fatalf("delivered again: %v, want a duplicate (the first delivery committed the session)", err)
			}
			if err := tt.check(off, ba.ID, sent); err != nil {
				t.Fatalf("after a delivery cut short at its commit (%v) and a redelivery: %v", first, err)
			}
			if first != nil {
				t.Fatalf("the delivery cut short at its commit: %v", first)
			}
		})
	}
}

// sealedToBob makes alice and bob contacts, and returns bob stopped, a
// messenger of his store not connected to its home (nothing else
// commits), his contact for alice, and a message of tt's from alice
// sealed to him and not sent.
func sealedToBob(t *testing.T, tt appliedCase) (bob *profile, off *Messenger, ba store.Contact, sent *Content, env []byte) {
	t.Helper()
	alice := newProfile(t, "alice", "")
	bob = newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	sent = tt.content()
	if err := alice.m.stamp(sent); err != nil {
		t.Fatal(err)
	}
	if sent.Kind == KindFileOffer {
		sent.FileID = sent.ID
	}
	_, env, err := alice.m.sealEphemeral(context.Background(), ab.ID, sent)
	if err != nil {
		t.Fatal(err)
	}
	bob.stop()
	off, err = newMessenger(context.Background(), bob.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { off.Close() })
	return bob, off, ba, sent, env
}

// TestKeptAppliedAfterCrash: a control message whose session state was
// committed and whose effect was never applied (the process killed in
// between, or the store failing) is applied when the messenger next
// connects to its home, and forgotten; one kept unreadable is dropped
// without holding the connection up.
func TestKeptAppliedAfterCrash(t *testing.T) {
	ctx := context.Background()
	for _, tt := range appliedCases(ctx) {
		if tt.content().Kind == KindFileOffer {
			continue // a message, not a control: its row is committed with the session
		}
		t.Run(tt.name, func(t *testing.T) {
			bob, off, ba, sent, env := sealedToBob(t, tt)
			// What receive does up to the commit, then the "crash".
			opened, err := transport.OpenEnvelope(&off.identity, env)
			if err != nil {
				t.Fatal(err)
			}
			if control, err := off.decryptAndCommit(ctx, &incoming{sender: opened.Sender}, opened); err != nil || !control {
				t.Fatalf("committing: control %v, %v", control, err)
			}
			off.Close()
			if err := tt.check(off, ba.ID, sent); err == nil {
				t.Fatal("applied before the crash: the test tests nothing")
			}
			// An unreadable one, kept with the session state as it is.
			state, err := bob.st.Session(ctx, ba.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := bob.st.CommitControl(ctx, ba.ID, state, nil, []byte{keptV + 1}); err != nil {
				t.Fatal(err)
			}
			bob.start() // returns once the home is connected
			if err := tt.check(bob.m, ba.ID, sent); err != nil {
				t.Fatalf("after the next connection: %v", err)
			}
			if kept, err := bob.st.PendingControls(ctx); err != nil || len(kept) != 0 {
				t.Fatalf("still kept: %+v, %v", kept, err)
			}
		})
	}
}

// commitCtx is a context that ends at the next commit of a store, as the
// home loop's does when the messenger closes just as a message's session
// state was committed.
type commitCtx struct {
	context.Context
	committed <-chan struct{}
}

// endsAtCommit returns a context that ends at st's next commit.
func endsAtCommit(st *store.Store) commitCtx {
	return commitCtx{Context: context.Background(), committed: st.Committed()}
}

func (c commitCtx) Done() <-chan struct{} { return c.committed }

func (c commitCtx) Err() error {
	select {
	case <-c.committed:
		return context.Canceled
	default:
		return nil
	}
}
