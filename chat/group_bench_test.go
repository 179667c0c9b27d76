package chat

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// BenchmarkGroupSend times the sender's side of a group message:
// Messenger.Send on a group whose sender key and pairwise sessions exist
// already, so that it is one encryption with the sender key, one sealed
// envelope per member and one commit (the row, the sender key and an
// outbox item and a status per member). The sender's loops do not run
// (its messenger is not started): nothing else competes for the CPU, and
// the envelopes stay queued. Its first sub-benchmark, "seal", is the
// baseline of the same run: transport.SealEnvelope of one such group
// message for one member, alone (a lone envelope computes all three of
// its X25519 operations; the group's transport.Sealer remembers the
// static one per member, so a member's envelope costs less than this). Each group size reports its CPU time
// per message (cpu-µs/op, from getrusage, beside the wall time) and that
// time in envelope seals (seals/op: CPU time over the seal's CPU time)
// and per member (cpu-µs/member).
func BenchmarkGroupSend(b *testing.B) {
	sender := benchGroupSender(b)
	payload := benchGroupPayload(b)
	to, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	var seal time.Duration
	b.Run("seal", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			if _, err := transport.SealEnvelope(rand.Reader, &sender.identity, to.Public, transport.TypeSenderKey, payload); err != nil {
				b.Fatal(err)
			}
		}
		seal = (cpuTime() - cpu) / time.Duration(b.N)
		b.ReportMetric(float64(seal.Nanoseconds())/1e3, "cpu-µs/op")
	})
	for _, n := range []int{8, 64, 256} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			m, conv := benchGroup(b, n)
			ctx := context.Background()
			i := 0
			cpu := cpuTime()
			for b.Loop() {
				i++
				if _, err := m.Send(ctx, conv, fmt.Sprintf("bench %d", i)); err != nil {
					b.Fatal(err)
				}
			}
			perOp := float64((cpuTime() - cpu).Nanoseconds()) / float64(b.N)
			b.ReportMetric(perOp/1e3, "cpu-µs/op")
			b.ReportMetric(perOp/1e3/float64(n-1), "cpu-µs/member")
			if seal > 0 {
				b.ReportMetric(perOp/float64(seal.Nanoseconds()), "seals/op")
			}
		})
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchGroupPayload is what a group envelope carries for a short text:
// a group id and a SenderKeyMessage.
func benchGroupPayload(b *testing.B) []byte {
	rec, _, err := session.NewSenderKey(rand.Reader, session.DistributionID{1})
	if err != nil {
		b.Fatal(err)
	}
	c := &Content{Kind: KindText, Text: "bench 1", Sent: time.Now()}
	plaintext, err := c.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	msg, err := rec.Encrypt(rand.Reader, plaintext)
	if err != nil {
		b.Fatal(err)
	}
	return append(make([]byte, len(store.GroupID{})), msg...)
}

// benchGroupSender makes a profile and a messenger on it that is not
// started: no home, no outbox, no loops.
func benchGroupSender(b *testing.B) *Messenger {
	ctx := context.Background()
	dir := filepath.Join(b.TempDir(), "sender")
	st, err := store.Create(dir, []byte("passphrase"), store.WithKDF(testKDF))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := CreateProfile(ctx, st, "sender", nil); err != nil {
		b.Fatal(err)
	}
	m, err := newMessenger(ctx, testConfig(st, benchNowhere))
	if err != nil {
		b.Fatal(err)
	}
	m.home = benchNowhere
	b.Cleanup(func() { m.Close() })
	return m
}

// benchNowhere is the home of the benchmark's profiles: never dialled,
// as no loop runs.
const benchNowhere = "127.0.0.1:1"

// benchGroup makes a sender in a group of n members (itself included)
// with a session with each, and sends a first message, which makes its
// sender key and hands it to every member. The members are key pairs and
// bundles only: the sender never reaches them.
func benchGroup(b *testing.B, n int) (*Messenger, store.ContactID) {
	ctx := context.Background()
	m := benchGroupSender(b)
	ids := make([]store.ContactID, n-1)
	for i := range ids {
		ids[i] = benchMember(b, m, i)
	}
	info, err := m.CreateGroup(ctx, "bench", ids)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Send(ctx, info.Conversation, "first"); err != nil {
		b.Fatal(err)
	}
	return m, info.Conversation
}

// benchMember makes member i of a benchmark's group: a contact of m's
// with a session started from the member's bundle, and its first message
// (our profile) queued, as a session with a member starts.
func benchMember(b *testing.B, m *Messenger, i int) store.ContactID {
	ctx := context.Background()
	kp, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	spk, err := keys.NewSignedPreKey(rand.Reader, kp.Private, 1)
	if err != nil {
		b.Fatal(err)
	}
	kem, err := keys.NewKEMPreKey(rand.Reader, kp.Private, 2, true)
	if err != nil {
		b.Fatal(err)
	}
	bundle := keys.NewBundle(uint32(i+1), kp.Public, spk, nil, &kem)
	s, err := session.Initiate(rand.Reader, m.local, &bundle)
	if err != nil {
		b.Fatal(err)
	}
	c := store.Contact{Identity: kp.Public, Address: benchNowhere, Name: fmt.Sprintf("m%d", i), State: store.StateContact}
	if c.ID, err = m.st.AddContact(ctx, c); err != nil {
		b.Fatal(err)
	}
	content, err := m.profileContent(ctx)
	if err != nil {
		b.Fatal(err)
	}
	m.lockSessions()
	defer m.mu.Unlock()
	if err := m.sendGroupControlWith(ctx, c, s, content); err != nil {
		b.Fatal(err)
	}
	return c.ID
}

// BenchmarkGroupRelay256 times a message to a group of 256 members on a
// loopback relay (TestGroupScale256's group: the owner here, 255 members
// in four child processes of 64): from the owner's Send to the last
// member's report that it read it, one message at a time, after a first
// message that hands out the owner's sender key. It reports p50 and p99
// (over ~20 messages: -benchtime 20x) and, to tell where the time goes,
// the median time until the owner had deposited all 255 envelopes at the
// relay (deposited-p50-ms).
func BenchmarkGroupRelay256(b *testing.B) {
	if testing.Short() {
		b.Skip("skipped under -short: 256 profiles in four child processes")
	}
	g := startBigGroup(b, 256, 64)
	first, _ := g.send(b, "first")
	b.Logf("the first message (with the sender key handed to each member) reached the last member in %v", first.Round(time.Millisecond))
	var lat, dep []time.Duration
	for i := 0; b.Loop(); i++ {
		last, deposited := g.send(b, fmt.Sprintf("bench-%d", i))
		lat, dep = append(lat, last), append(dep, deposited)
	}
	reportPercentiles(b, lat)
	slices.Sort(dep)
	b.ReportMetric(float64(dep[len(dep)/2].Microseconds())/1000, "deposited-p50-ms")
	if rss := g.procs.peakRSS(); rss != nil {
		b.Logf("peak resident memory (MiB), this process then each child: %v", rss)
	}
}
