package interop

import (
	"bytes"
	mrand "math/rand/v2"
	"slices"
	"testing"
)

// endpoint is one side of a two-party conversation, whatever implementation
// runs it.
type endpoint interface {
	// encrypt returns the message type (2 or 3) and the serialized message.
	encrypt(plaintext []byte) (uint8, []byte, error)
	// decrypt decrypts a message of the given type from the other side.
	decrypt(typ uint8, msg []byte) ([]byte, error)
	// isReplayError reports whether err is how this side rejects a message
	// it has already decrypted, sent chainsAgo sending chains (DH ratchet
	// turns of the sender) before the sender's current one.
	isReplayError(err error, chainsAgo int) bool
}

// wire is a message in flight.
type wire struct {
	typ       uint8
	msg       []byte
	plaintext []byte
	from      int // 0 or 1: who sent it
	seq       int // per-sender sequence number, for failure messages
	chain     int // the sender's turn, counted from 0: one sending chain per turn
}

// conversation drives a and b through turns until each has sent at least
// perSide messages. Turns alternate (a first), so every turn but the first
// moves the DH ratchet. Within a turn the sender writes 1..maxPerTurn
// messages; the receiver gets them shuffled, together with the messages held
// back from the sender's previous turn (a late message from an older chain),
// and a few are held back in turn. After each turn the receiver is replayed
// some messages it already decrypted, which it must reject without harm. At
// the end every message ever delivered is replayed and one more message goes
// each way, to show the state survived.
type conversation struct {
	rng        *mrand.Rand
	perSide    int
	maxPerTurn int
	maxHold    int // messages held back per turn (always fewer than sent)

	sent, preKeyMsgs, held, replays, turns [2]int
	// replayAges counts replays by how many chains old their message was:
	// the current chain, 1-4 (libsignal still keeps the chain), 5-24
	// (ratchat still knows the ratchet key), 25 or more.
	replayAges [4]int
}

func (c *conversation) run(t *testing.T, a, b endpoint) {
	t.Helper()
	eps := [2]endpoint{a, b}
	var late [2][]wire      // held back from each sender's last turn
	var delivered [2][]wire // messages each side has decrypted
	for turn := 0; c.sent[0] < c.perSide || c.sent[1] < c.perSide; turn++ {
		from := turn % 2
		to := 1 - from
		c.turns[from]++
		batch := c.write(t, eps[from], from, 1+c.rng.IntN(c.maxPerTurn))
		hold := c.rng.IntN(min(c.maxHold, len(batch)-1) + 1)
		c.rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		deliver := slices.Concat(batch[hold:], late[from])
		late[from] = batch[:hold]
		c.held[from] += hold
		c.rng.Shuffle(len(deliver), func(i, j int) { deliver[i], deliver[j] = deliver[j], deliver[i] })
		for _, w := range deliver {
			c.deliver(t, eps[to], w)
		}
		delivered[to] = append(delivered[to], deliver...)
		for range 2 {
			c.replay(t, eps[to], delivered[to][c.rng.IntN(len(delivered[to]))])
		}
	}
	for from, ws := range late {
		for _, w := range ws {
			c.deliver(t, eps[1-from], w)
		}
		delivered[1-from] = append(delivered[1-from], ws...)
	}
	for to := range delivered {
		for _, w := range delivered[to] {
			c.replay(t, eps[to], w)
		}
	}
	for from := range 2 {
		c.turns[from]++
		for _, w := range c.write(t, eps[from], from, 1) {
			c.deliver(t, eps[1-from], w)
		}
	}
}

// write has side from encrypt n messages of assorted sizes.
func (c *conversation) write(t *testing.T, e endpoint, from, n int) []wire {
	t.Helper()
	sizes := []int{0, 1, 15, 16, 17, 1024}
	ws := make([]wire, n)
	for i := range ws {
		size := c.rng.IntN(600)
		if c.rng.IntN(4) == 0 {
			size = sizes[c.rng.IntN(len(sizes))]
		}
		pt := make([]byte, size)
		for j := range pt {
			pt[j] = byte(c.rng.Uint32())
		}
		typ, msg, err := e.encrypt(pt)
		if err != nil {
			t.Fatalf("side %d: encrypt message %d: %v", from, c.sent[from], err)
		}
		if typ == typePreKey {
			c.preKeyMsgs[from]++
		} else if typ != typeSignal {
			t.Fatalf("side %d: encrypt message %d: type %d", from, c.sent[from], typ)
		}
		ws[i] = wire{typ: typ, msg: msg, plaintext: pt, from: from, seq: c.sent[from], chain: c.turns[from] - 1}
		c.sent[from]++
	}
	return ws
}

// deliver decrypts w at e and checks the plaintext.
func (c *conversation) deliver(t *testing.T, e endpoint, w wire) {
	t.Helper()
	pt, err := e.decrypt(w.typ, bytes.Clone(w.msg))
	if err != nil {
		t.Fatalf("side %d message %d (type %d): decrypt: %v", w.from, w.seq, w.typ, err)
	}
	if !bytes.Equal(pt, w.plaintext) {
		t.Fatalf("side %d message %d: plaintext %x, want %x", w.from, w.seq, pt, w.plaintext)
	}
}

// replay delivers w again to e, which must reject it.
func (c *conversation) replay(t *testing.T, e endpoint, w wire) {
	t.Helper()
	c.replays[1-w.from]++
	pt, err := e.decrypt(w.typ, bytes.Clone(w.msg))
	if err == nil {
		t.Fatalf("side %d message %d (type %d): replay accepted (plaintext %x)", w.from, w.seq, w.typ, pt)
	}
	ago := c.turns[w.from] - 1 - w.chain
	switch {
	case ago == 0:
		c.replayAges[0]++
	case ago < 5:
		c.replayAges[1]++
	case ago < 25:
		c.replayAges[2]++
	default:
		c.replayAges[3]++
	}
	if !e.isReplayError(err, ago) {
		t.Fatalf("side %d message %d (type %d, %d chains ago): replay rejected with unexpected error: %v",
			w.from, w.seq, w.typ, ago, err)
	}
}

// check asserts the conversation was as big as promised and logs its shape.
func (c *conversation) check(t *testing.T) {
	t.Helper()
	for side := range 2 {
		if c.sent[side] < c.perSide {
			t.Errorf("side %d sent %d messages, want at least %d", side, c.sent[side], c.perSide)
		}
		if c.held[side] == 0 {
			t.Errorf("side %d: no message was delivered late", side)
		}
	}
	if c.preKeyMsgs[0] == 0 {
		t.Error("the initiator sent no PreKeySignalMessage")
	}
	if c.preKeyMsgs[1] != 0 {
		t.Errorf("the responder sent %d PreKeySignalMessages", c.preKeyMsgs[1])
	}
	for i, n := range c.replayAges {
		if n == 0 {
			t.Errorf("no replay in age class %d of %v", i, c.replayAges)
		}
	}
	t.Logf("turns %v, sent %v (prekey messages %v), delivered late %v, replays rejected %v (by age %v)",
		c.turns, c.sent, c.preKeyMsgs, c.held, c.replays, c.replayAges)
}

func newConversation(seed uint64) *conversation {
	return &conversation{
		rng:        mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		perSide:    1000,
		maxPerTurn: 40,
		maxHold:    2,
	}
}
