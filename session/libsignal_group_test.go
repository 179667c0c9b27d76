package session

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"ratchat/keys"
)

// Live interop of sender keys with libsignal-client: ratchat's
// SenderKeyRecord on one side, libsignal's
// SenderKeyDistributionMessage.create/processSenderKeyDistributionMessage
// and groupEncrypt/groupDecrypt through the driver on the other.

// groupEnd is one side of a one-way group conversation.
type groupEnd interface {
	// distribution returns the sender's distribution message.
	distribution(t *testing.T) []byte
	// process stores the sender's distribution message.
	process(t *testing.T, dist []byte)
	encrypt(t *testing.T, plaintexts [][]byte) [][]byte
	decrypt(t *testing.T, msgs [][]byte) []convResult
}

// ratchatGroupEnd is ratchat's sender key API; as a receiver, rec is the
// sender's record.
type ratchatGroupEnd struct {
	rec  *SenderKeyRecord
	rand *rand.ChaCha8
}

func (r *ratchatGroupEnd) distribution(t *testing.T) []byte {
	t.Helper()
	rec, dist, err := NewSenderKey(r.rand, testDistribution)
	if err != nil {
		t.Fatal(err)
	}
	r.rec = rec
	return dist.Marshal()
}

func (r *ratchatGroupEnd) process(t *testing.T, dist []byte) {
	t.Helper()
	m, err := ParseSenderKeyDistributionMessage(dist)
	if err != nil {
		t.Fatalf("ratchat cannot parse libsignal's distribution: %v", err)
	}
	r.rec = new(SenderKeyRecord)
	if err := r.rec.Process(m); err != nil {
		t.Fatal(err)
	}
}

func (r *ratchatGroupEnd) encrypt(t *testing.T, pts [][]byte) [][]byte {
	t.Helper()
	out := make([][]byte, len(pts))
	for i, pt := range pts {
		m, err := r.rec.Encrypt(r.rand, pt)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = m
	}
	return out
}

func (r *ratchatGroupEnd) decrypt(t *testing.T, msgs [][]byte) []convResult {
	out := make([]convResult, len(msgs))
	for i, m := range msgs {
		pt, err := r.rec.Decrypt(m)
		out[i] = convResult{plaintext: pt, err: err, duplicate: errors.Is(err, ErrDuplicate)}
	}
	return out
}

// lsGroupEnd is libsignal party name; peer is the sender's name when it
// receives.
type lsGroupEnd struct {
	d          *libsignalDriver
	name, peer string
}

func (l *lsGroupEnd) distribution(t *testing.T) []byte {
	t.Helper()
	var r struct {
		Distribution []byte `json:"distribution"`
	}
	l.d.call("senderKeyCreate", map[string]any{"name": l.name, "distributionId": testDistribution[:]}, &r)
	return r.Distribution
}

func (l *lsGroupEnd) process(t *testing.T, dist []byte) {
	t.Helper()
	l.d.call("senderKeyProcess", map[string]any{"name": l.name, "from": l.peer, "distribution": dist}, nil)
}

func (l *lsGroupEnd) encrypt(t *testing.T, pts [][]byte) [][]byte {
	t.Helper()
	var r struct {
		Messages [][]byte `json:"messages"`
	}
	l.d.call("groupEncrypt", map[string]any{"name": l.name, "distributionId": testDistribution[:], "plaintexts": pts}, &r)
	if len(r.Messages) != len(pts) {
		t.Fatalf("libsignal encrypted %d messages, want %d", len(r.Messages), len(pts))
	}
	return r.Messages
}

func (l *lsGroupEnd) decrypt(t *testing.T, msgs [][]byte) []convResult {
	t.Helper()
	return l.d.decryptMany(t, "groupDecrypt", l.name, l.peer, msgs, len(msgs))
}

// TestLibsignalGroupConversation sends 1,000 group messages each way: the
// sender's distribution message reaches the receiver, then the messages
// arrive in shuffled windows, some held back to a later window, a few
// twice. Every message must decrypt exactly once to its text, and every
// copy be refused as a duplicate.
func TestLibsignalGroupConversation(t *testing.T) {
	const total = 1000
	d := startLibsignal(t)
	d.newIdentity("alice")
	d.newIdentity("bob")
	tests := []struct {
		name             string
		sender, receiver groupEnd
	}{
		{"ratchat to libsignal", &ratchatGroupEnd{rand: rand.NewChaCha8([32]byte{1})}, &lsGroupEnd{d: d, name: "bob", peer: "alice"}},
		{"libsignal to ratchat", &lsGroupEnd{d: d, name: "alice"}, &ratchatGroupEnd{rand: rand.NewChaCha8([32]byte{2})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.receiver.process(t, tt.sender.distribution(t))
			st := runGroupConversation(t, rand.New(rand.NewPCG(12, 34)), tt.sender, tt.receiver, total)
			if st.delivered != total || st.duplicates < 10 || st.late < 10 {
				t.Fatalf("delivered %d of %d, %d duplicates, %d late: the run did not exercise reordering", st.delivered, total, st.duplicates, st.late)
			}
			t.Logf("%d delivered (%d late), %d duplicates refused", st.delivered, st.late, st.duplicates)
		})
	}
}

// runGroupConversation sends total messages from sender to receiver in
// windows of up to 60, each delivered shuffled, with about one in 25 held
// back to the next window (it arrives after messages sent later) and one
// in 30 delivered again right after its first delivery, and checks what
// the receiver made of each: the right text exactly once, copies refused
// as duplicates.
func runGroupConversation(t *testing.T, rng *rand.Rand, sender, receiver groupEnd, total int) convStats {
	t.Helper()
	var st convStats
	var texts, sent [][]byte // by message id
	var held []int
	for st.sent < total {
		n := min(1+rng.IntN(60), total-st.sent)
		pts := make([][]byte, n)
		for i := range pts {
			pts[i] = fmt.Appendf(nil, "group message %d %s", st.sent+i, bytes.Repeat([]byte{'g'}, rng.IntN(200)))
		}
		texts = append(texts, pts...)
		sent = append(sent, sender.encrypt(t, pts)...)
		// Messages held back from the previous window arrive first, after
		// this window's were sent.
		plan := held
		st.late += len(held)
		held = nil
		var window []int
		for id := st.sent; id < st.sent+n; id++ {
			if rng.IntN(25) == 0 && st.sent+n < total {
				held = append(held, id)
				continue
			}
			window = append(window, id)
		}
		st.sent += n
		rng.Shuffle(len(window), func(i, j int) { window[i], window[j] = window[j], window[i] })
		plan = append(plan, window...)
		var batch [][]byte
		var ids []int
		var copies []bool
		for _, id := range plan {
			batch, ids, copies = append(batch, sent[id]), append(ids, id), append(copies, false)
			if rng.IntN(30) == 0 {
				batch, ids, copies = append(batch, sent[id]), append(ids, id), append(copies, true)
			}
		}
		results := receiver.decrypt(t, batch)
		for i, id := range ids {
			res := results[i]
			if copies[i] {
				if res.err == nil || !res.duplicate {
					t.Fatalf("a copy of message %d: %v, want a duplicate", id, res.err)
				}
				st.duplicates++
				continue
			}
			if res.err != nil {
				t.Fatalf("message %d: %v", id, res.err)
			}
			if !bytes.Equal(res.plaintext, texts[id]) {
				t.Fatalf("message %d decrypted as %q", id, res.plaintext)
			}
			st.delivered++
		}
	}
	return st
}

// TestLibsignalSenderKeyWire checks the two formats byte for byte against
// libsignal: its distribution message parses in ratchat to the fields its
// accessors show and serializes back to the same bytes; ratchat's parses
// in libsignal to ratchat's fields; a message ratchat makes from
// libsignal's chain key for the same plaintext is libsignal's message but
// for the (randomized) signature, and each side's signature verifies on
// the other.
func TestLibsignalSenderKeyWire(t *testing.T) {
	d := startLibsignal(t)
	d.newIdentity("carol")
	lsDist := (&lsGroupEnd{d: d, name: "carol"}).distribution(t)
	m, err := ParseSenderKeyDistributionMessage(lsDist)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Marshal(), lsDist) {
		t.Fatalf("libsignal's distribution re-serialized differs:\n%x\n%x", m.Marshal(), lsDist)
	}
	type lsFields struct {
		DistributionID []byte `json:"distributionId"`
		ChainID        uint32 `json:"chainId"`
		Iteration      uint32 `json:"iteration"`
		ChainKey       []byte `json:"chainKey"`
		Ciphertext     []byte `json:"ciphertext"`
		Valid          *bool  `json:"valid"`
	}
	var f lsFields
	d.call("parseSenderKeyDistribution", map[string]any{"distribution": lsDist}, &f)
	if !bytes.Equal(f.DistributionID, m.DistributionID[:]) || f.ChainID != m.ChainID || f.Iteration != m.Iteration || !bytes.Equal(f.ChainKey, m.ChainKey[:]) {
		t.Fatalf("ratchat parsed %+v, libsignal %+v", m, f)
	}

	ours, ourDist, err := NewSenderKey(seededRand(30), testDistribution)
	if err != nil {
		t.Fatal(err)
	}
	d.call("parseSenderKeyDistribution", map[string]any{"distribution": ourDist.Marshal()}, &f)
	if !bytes.Equal(f.DistributionID, testDistribution[:]) || f.ChainID != ourDist.ChainID || f.Iteration != 0 || !bytes.Equal(f.ChainKey, ourDist.ChainKey[:]) {
		t.Fatalf("libsignal parsed ratchat's distribution as %+v, want %+v", f, ourDist)
	}
	ourMsg, err := ours.Encrypt(seededRand(31), []byte("to libsignal"))
	if err != nil {
		t.Fatal(err)
	}
	d.call("parseSenderKeyMessage", map[string]any{"message": ourMsg, "key": ourDist.SigningKey.Bytes()}, &f)
	if f.Valid == nil || !*f.Valid || f.ChainID != ourDist.ChainID || f.Iteration != 0 || !bytes.Equal(f.DistributionID, testDistribution[:]) {
		t.Fatalf("libsignal parsed ratchat's message as %+v", f)
	}

	pt := []byte("the same plaintext")
	lsMsg := (&lsGroupEnd{d: d, name: "carol"}).encrypt(t, [][]byte{pt})[0]
	ck := chainKey(m.ChainKey)
	seed, _ := ck.step()
	mk := newSenderMessageKeys(&seed)
	content := sealSenderKeyMessage(m.DistributionID, m.ChainID, m.Iteration, &mk, pt)
	if !bytes.Equal(content, lsMsg[:len(lsMsg)-keys.SignatureSize]) {
		t.Fatalf("ratchat's message differs from libsignal's:\n%x\n%x", content, lsMsg)
	}
	if err := keys.Verify(m.SigningKey, content, lsMsg[len(lsMsg)-keys.SignatureSize:]); err != nil {
		t.Fatalf("libsignal's signature does not verify in ratchat: %v", err)
	}
}
