package session

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"ratchat/spqr/braid"
)

// The live triple-ratchet conversations with libsignal-client: ratchat
// through its public API (Initiate, Encrypt, Decrypt, MarshalBinary,
// UnmarshalBinary) on one side, libsignal's signalEncrypt/signalDecrypt
// through the driver on the other.

// convMsg is one message on the wire of a live conversation.
type convMsg struct {
	typ  MessageType
	body []byte
	id   int // index into the conversation's plaintexts
}

// convResult is what a receiver made of one delivered message.
type convResult struct {
	plaintext []byte
	err       error
	duplicate bool // the receiver said so: ratchat's ErrDuplicate, libsignal's DuplicatedMessage
}

// convEnd is one side of a live conversation.
type convEnd interface {
	encrypt(t *testing.T, plaintexts [][]byte) []convMsg
	decrypt(t *testing.T, msgs []convMsg) []convResult
	// saveLoad saves the session and loads it back from the saved bytes.
	saveLoad(t *testing.T)
}

// ratchatEnd is ratchat, through the session package's public API.
type ratchatEnd struct{ p *party }

func (r *ratchatEnd) encrypt(t *testing.T, pts [][]byte) []convMsg {
	t.Helper()
	out := make([]convMsg, len(pts))
	for i, pt := range pts {
		typ, body, err := r.p.session.Encrypt(r.p.rand, pt)
		if err != nil {
			t.Fatalf("ratchat encrypt: %v", err)
		}
		out[i] = convMsg{typ: typ, body: body}
	}
	return out
}

func (r *ratchatEnd) decrypt(t *testing.T, msgs []convMsg) []convResult {
	out := make([]convResult, len(msgs))
	for i, m := range msgs {
		d, err := r.p.session.Decrypt(r.p.rand, r.p.local, r.p.prekeys, m.typ, bytes.Clone(m.body))
		if err != nil {
			out[i] = convResult{err: err, duplicate: errors.Is(err, ErrDuplicate)}
			continue
		}
		out[i] = convResult{plaintext: d.Plaintext}
	}
	return out
}

func (r *ratchatEnd) saveLoad(t *testing.T) {
	t.Helper()
	raw, err := r.p.session.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var s Session
	if err := s.UnmarshalBinary(raw); err != nil {
		t.Fatalf("ratchat session saved mid-conversation does not load: %v", err)
	}
	r.p.session = s
}

// lsEnd is libsignal-client, party name talking to peer, in the driver.
type lsEnd struct {
	d          *libsignalDriver
	name, peer string
}

func (l *lsEnd) encrypt(t *testing.T, pts [][]byte) []convMsg {
	t.Helper()
	var r struct {
		Messages []struct {
			Type MessageType `json:"type"`
			Body []byte      `json:"body"`
		} `json:"messages"`
	}
	l.d.call("encryptMany", map[string]any{"name": l.name, "to": l.peer, "plaintexts": pts}, &r)
	if len(r.Messages) != len(pts) {
		t.Fatalf("libsignal encrypted %d messages, want %d", len(r.Messages), len(pts))
	}
	out := make([]convMsg, len(pts))
	for i, m := range r.Messages {
		out[i] = convMsg{typ: m.Type, body: m.Body}
	}
	return out
}

func (l *lsEnd) decrypt(t *testing.T, msgs []convMsg) []convResult {
	t.Helper()
	type wm struct {
		Type MessageType `json:"type"`
		Body []byte      `json:"body"`
	}
	in := make([]wm, len(msgs))
	for i, m := range msgs {
		in[i] = wm{m.typ, m.body}
	}
	return l.d.decryptMany(t, "decryptMany", l.name, l.peer, in, len(msgs))
}

// decryptMany has libsignal's end name decrypt n messages from peer with
// cmd, and returns each one's plaintext or error (marked when libsignal
// calls it a duplicate).
func (d *libsignalDriver) decryptMany(t *testing.T, cmd, name, peer string, messages any, n int) []convResult {
	t.Helper()
	var r struct {
		Results []struct {
			Plaintext []byte `json:"plaintext"`
			Error     string `json:"error"`
			Code      *int   `json:"code"`
		} `json:"results"`
	}
	d.call(cmd, map[string]any{"name": name, "from": peer, "messages": messages}, &r)
	if len(r.Results) != n {
		t.Fatalf("libsignal answered %d results, want %d", len(r.Results), n)
	}
	out := make([]convResult, n)
	for i, res := range r.Results {
		if res.Error != "" {
			const duplicatedMessage = 1 // libsignal's ErrorCode.DuplicatedMessage
			out[i] = convResult{err: fmt.Errorf("%w: %s", errLibsignal, res.Error),
				duplicate: res.Code != nil && *res.Code == duplicatedMessage}
			continue
		}
		out[i] = convResult{plaintext: res.Plaintext}
	}
	return out
}

func (l *lsEnd) saveLoad(t *testing.T) {
	t.Helper()
	var saved struct {
		Record []byte `json:"record"`
	}
	l.d.call("saveSession", map[string]any{"name": l.name, "peer": l.peer}, &saved)
	l.d.call("loadSession", map[string]any{"name": l.name, "peer": l.peer, "record": saved.Record}, nil)
}

// convStats counts what a conversation did.
type convStats struct {
	sent, delivered, dropped, duplicates, tampered, saves, late int
	pqBytes                                                     int // SPQR bytes on the wire (field 5 with its tag and length)
	// epochs is the highest braid epoch each side's SPQR messages carried:
	// the epoch that side sends in, read off the wire.
	epochs [2]uint64
}

// heldMsg is a message kept back to arrive in a later turn.
type heldMsg struct {
	msg       convMsg
	plaintext []byte
}

// delivery is one message handed to a receiver, and what should happen.
type delivery struct {
	msg      convMsg
	kind     int // deliverFirst, deliverAgain, deliverTampered
	tamperAt int
}

const (
	deliverFirst = iota
	deliverAgain
	deliverTampered
)

// runConversation runs turns between a (which sent first, or starts) and b:
// each turn one side sends a run of 1 to 40 messages, which reach the other
// in a shuffled order, some dropped, some twice, some first in a tampered
// copy, and some only in the receiver's next receiving turn (after both
// ratchets turned). It checks that every message delivered decrypts exactly once, to
// its plaintext, that copies are refused as duplicates, and that tampered
// copies are refused with the session intact (the good copy decrypts
// after). Every few turns both sides save and load their sessions.
func runConversation(t *testing.T, rng *rand.Rand, a, b convEnd, total int) convStats {
	t.Helper()
	var st convStats
	ends := [2]convEnd{a, b}
	names := [2]string{"a", "b"}
	// held are messages kept back, by receiver, to arrive in its next
	// receiving turn: after the other side's ratchet turned, and often
	// after an SPQR epoch changed.
	var held [2][]heldMsg
	for turn := 0; st.sent < total; turn++ {
		from, to := turn%2, 1-turn%2
		n := min(1+rng.IntN(40), total-st.sent)
		if turn < 2 {
			n = 1 + rng.IntN(3) // the first turns start the session
		}
		pts := make([][]byte, n)
		for i := range pts {
			pts[i] = fmt.Appendf(nil, "%s turn %d message %d %s", names[from], turn, i, bytes.Repeat([]byte{'x'}, rng.IntN(300)))
		}
		msgs := ends[from].encrypt(t, pts)
		st.sent += n
		late := held[to]
		held[to] = nil
		var plan []delivery
		for i := range msgs {
			msgs[i].id = i
			st.pqBytes += pqFieldSize(t, msgs[i])
			st.epochs[from] = max(st.epochs[from], wireEpoch(t, msgs[i]))
			// Nothing of the first turn is lost: its messages start the session.
			if turn > 0 && rng.IntN(20) == 0 {
				st.dropped++
				continue
			}
			if turn > 1 && rng.IntN(30) == 0 {
				held[to] = append(held[to], heldMsg{msgs[i], pts[msgs[i].id]})
				continue
			}
			plan = append(plan, delivery{msg: msgs[i], kind: deliverFirst})
			if rng.IntN(15) == 0 {
				plan = append(plan, delivery{msg: msgs[i], kind: deliverAgain})
			}
			if msgs[i].typ == TypeSignal && rng.IntN(15) == 0 {
				plan = append(plan, delivery{msg: msgs[i], kind: deliverTampered, tamperAt: rng.IntN(len(msgs[i].body))})
			}
		}
		rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
		// A copy comes after the first delivery, a tampered one before it.
		plan = orderPlan(plan)
		// Late messages from the sender's previous turn arrive first; their
		// ids are negative, -1-i for lateText[i].
		var lateText [][]byte
		for _, h := range late {
			h.msg.id = -1 - len(lateText)
			lateText = append(lateText, h.plaintext)
			plan = append([]delivery{{msg: h.msg, kind: deliverFirst}}, plan...)
		}
		batch := make([]convMsg, len(plan))
		for i, p := range plan {
			batch[i] = p.msg
			if p.kind == deliverTampered {
				batch[i].body = bytes.Clone(p.msg.body)
				batch[i].body[p.tamperAt] ^= 0x01 << (p.tamperAt % 8)
			}
		}
		results := ends[to].decrypt(t, batch)
		seen := make(map[int]bool)
		for i, p := range plan {
			res := results[i]
			switch p.kind {
			case deliverFirst:
				if res.err != nil {
					t.Fatalf("turn %d: %s could not decrypt %s's message %d (type %d): %v", turn, names[to], names[from], p.msg.id, p.msg.typ, res.err)
				}
				want := lateText
				if p.msg.id >= 0 {
					want = pts
				} else {
					st.late++
				}
				if !bytes.Equal(res.plaintext, want[max(p.msg.id, -1-p.msg.id)]) {
					t.Fatalf("turn %d: %s decrypted message %d as %q", turn, names[to], p.msg.id, res.plaintext)
				}
				if seen[p.msg.id] {
					t.Fatalf("turn %d: message %d decrypted twice", turn, p.msg.id)
				}
				seen[p.msg.id] = true
				st.delivered++
			case deliverAgain:
				if res.err == nil {
					t.Fatalf("turn %d: %s decrypted a copy of message %d again", turn, names[to], p.msg.id)
				}
				if p.msg.typ == TypeSignal && !res.duplicate {
					t.Fatalf("turn %d: %s refused a copy of message %d, but not as a duplicate: %v", turn, names[to], p.msg.id, res.err)
				}
				st.duplicates++
			case deliverTampered:
				if res.err == nil {
					t.Fatalf("turn %d: %s decrypted message %d with byte %d changed", turn, names[to], p.msg.id, p.tamperAt)
				}
				st.tampered++
			}
		}
		if turn%7 == 6 {
			a.saveLoad(t)
			b.saveLoad(t)
			st.saves++
		}
	}
	return st
}

// orderPlan keeps the shuffled order of first deliveries but puts every
// copy after its message's first delivery and every tampered copy right
// before it, so that the checks above can say what must happen to each.
func orderPlan(plan []delivery) []delivery {
	var firsts []delivery
	extra := make(map[int][]delivery)
	for _, p := range plan {
		if p.kind == deliverFirst {
			firsts = append(firsts, p)
		} else {
			extra[p.msg.id] = append(extra[p.msg.id], p)
		}
	}
	out := make([]delivery, 0, len(plan))
	for _, f := range firsts {
		var again []delivery
		for _, e := range extra[f.msg.id] {
			if e.kind == deliverTampered {
				out = append(out, e)
			} else {
				again = append(again, e)
			}
		}
		out = append(out, f)
		out = append(out, again...)
	}
	return out
}

// pqFieldSize is the size of a message's SignalMessage field 5 on the wire:
// tag, length and the SPQR message.
func pqFieldSize(t *testing.T, m convMsg) int {
	t.Helper()
	n := len(signalOf(t, m).PQRatchet)
	return 1 + varintLen(n) + n // field 5's tag is one byte
}

// wireEpoch is the braid epoch of a message's SPQR message.
func wireEpoch(t *testing.T, m convMsg) uint64 {
	t.Helper()
	bm, _, err := braid.ParseMessage(signalOf(t, m).PQRatchet)
	if err != nil {
		t.Fatalf("SPQR message on the wire: %v", err)
	}
	return bm.Epoch
}

// signalOf parses a message of either type and returns its SignalMessage,
// which must carry an SPQR message.
func signalOf(t *testing.T, m convMsg) *SignalMessage {
	t.Helper()
	var sm *SignalMessage
	switch m.typ {
	case TypeSignal:
		var err error
		if sm, err = ParseSignalMessage(m.body); err != nil {
			t.Fatalf("message on the wire: %v", err)
		}
	case TypePreKey:
		pm, err := ParsePreKeySignalMessage(m.body)
		if err != nil {
			t.Fatalf("message on the wire: %v", err)
		}
		sm = pm.Message
	}
	if len(sm.PQRatchet) == 0 {
		t.Fatalf("a message without SPQR (field 5) on the wire")
	}
	return sm
}

// varintLen is the length of n as a protobuf varint.
func varintLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

// liveMessages is how many messages each live conversation runs (10,000
// in all over the two), fewer with -short.
func liveMessages() int {
	if testing.Short() {
		return 500
	}
	return 5000
}

// TestLibsignalConversationLibsignalStarts: libsignal-client starts a
// session from a ratchat bundle, and the two talk.
func TestLibsignalConversationLibsignalStarts(t *testing.T) {
	d := startLibsignal(t)
	rbob := newParty(t, 2)
	d.newIdentity("alice")
	d.call("processBundle", map[string]any{"name": "alice", "peer": "rbob",
		"bundle": lsBundleOf(rbob.bundle(bundleOptions{oneTime: true, kem: true}))}, nil)
	r := &ratchatEnd{rbob}
	st := runConversation(t, rand.New(rand.NewPCG(1, 2)), &lsEnd{d, "alice", "rbob"}, r, liveMessages())
	reportConversation(t, st, rbob, 0)
}

// TestLibsignalConversationRatchatStarts: ratchat starts a session from a
// libsignal-client bundle, and the two talk.
func TestLibsignalConversationRatchatStarts(t *testing.T) {
	d := startLibsignal(t)
	d.newIdentity("bob")
	ralice := newParty(t, 1)
	s, err := Initiate(ralice.rand, ralice.local, ratchatBundleOf(t, d.fullBundle("bob")))
	if err != nil {
		t.Fatal(err)
	}
	ralice.session = *s
	st := runConversation(t, rand.New(rand.NewPCG(3, 4)), &ratchatEnd{ralice}, &lsEnd{d, "bob", "ralice"}, liveMessages())
	reportConversation(t, st, ralice, 1)
}

// reportConversation checks that the conversation did what it was meant
// to (drops, copies, tampering, saves, SPQR epochs) and logs its figures.
// ls is the position of libsignal's end in the conversation (0: it sent
// first).
func reportConversation(t *testing.T, st convStats, r *party, ls int) {
	t.Helper()
	epoch := r.session.SPQREpoch()
	lsEpoch := st.epochs[ls]
	t.Logf("%d messages sent, %d delivered (%d late, a turn later), %d dropped, %d copies and %d tampered refused, %d saves; SPQR epoch %d at ratchat, libsignal sending in epoch %d; SPQR adds %.1f bytes per message",
		st.sent, st.delivered, st.late, st.dropped, st.duplicates, st.tampered, st.saves, epoch, lsEpoch, float64(st.pqBytes)/float64(st.sent))
	// libsignal's side, as its own SPQR messages show it: its epoch moves
	// with ratchat's.
	if lsEpoch+1 < epoch || lsEpoch > epoch+1 || lsEpoch < 3 {
		t.Errorf("libsignal sends in SPQR epoch %d, ratchat is in %d", lsEpoch, epoch)
	}
	if st.dropped == 0 || st.duplicates == 0 || st.tampered == 0 || st.saves == 0 || st.late == 0 {
		t.Errorf("conversation without drops, copies, tampering or saves: %+v", st)
	}
	// An epoch grows only when both sides complete an ML-KEM exchange: an
	// epoch past a few means libsignal's braid turned with ratchat's.
	if min := uint64(st.sent / 500); epoch < max(min, 3) {
		t.Errorf("ratchat's SPQR epoch is %d after %d messages, want at least %d", epoch, st.sent, max(min, 3))
	}
	if !r.session.SPQR() {
		t.Error("ratchat's session lost SPQR")
	}
}
