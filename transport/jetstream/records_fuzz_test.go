package jetstream

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"ratchat/transport/mailbox"
)

// seedRecords are valid encodings of every record and message kind.
func seedRecords(t testing.TB) [][]byte {
	pk := &preKeys{Signed: []byte("s"), LastResort: []byte("l"),
		OneTime: []mailbox.PreKey{{ID: 1, Record: []byte("a")}}, KEM: []mailbox.PreKey{{ID: 2, Record: []byte("b")}}}
	pkv, err := pk.marshal()
	if err != nil {
		t.Fatal(err)
	}
	var h mailbox.TokenHash
	h[0] = 7
	return [][]byte{
		ownerRecord{Created: 1, Seen: 2}.marshal(),
		marshalShard(sortedLines(2)),
		marshalTokens(map[mailbox.TokenHash]mailbox.TokenKind{h: mailbox.TokenRequest}),
		pkv,
		(&request{op: opDeposit, token: h, now: time.UnixMilli(5), body: []byte("x")}).marshal(),
		(&request{op: opDeposit, token: h, now: time.UnixMilli(5), life: time.Hour, body: []byte("x")}).marshal(),
		(&request{op: opAck, ids: []uint64{1, 2}}).marshal(),
		(&request{op: opAddTokens, tokens: []mailbox.Token{{Hash: h, Kind: mailbox.TokenContact}}}).marshal(),
		(&request{op: opRevokeTokens, tokens: []mailbox.Token{{Hash: h}}}).marshal(),
		(&request{op: opUsage}).marshal(),
		(&request{op: opPending, after: 7, now: time.UnixMilli(5), limit: 64}).marshal(),
		(&reply{a: 0, locs: []location{{id: 513, received: 5, offset: 0, length: 1024}}}).marshal(),
		(&reply{a: 3, b: 4}).marshal(),
		(&reply{err: mailbox.ErrTokenQuota}).marshal(),
		(&reply{err: errors.New("boom")}).marshal(),
		marshalLive(mailbox.Envelope{ID: 9, Received: time.UnixMilli(10), Body: []byte("e")}),
	}
}

// FuzzRecords feeds every parser of this package (the key-value records,
// the requests and replies between front ends, the live announcements)
// arbitrary bytes: each fails with ErrRecord or returns a value that
// encodes back to the same bytes (or, for token maps and replies, to a
// value that parses equal).
func FuzzRecords(f *testing.F) {
	for _, s := range seedRecords(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		check := func(what string, err error, again func() []byte) {
			if err != nil {
				if !errors.Is(err, ErrRecord) {
					t.Fatalf("%s: error %v not ErrRecord", what, err)
				}
				return
			}
			if again != nil && !bytes.Equal(again(), v) {
				t.Fatalf("%s: %x encodes back to %x", what, v, again())
			}
		}
		o, err := parseOwnerRecord(v)
		check("owner", err, func() []byte { return o.marshal() })
		lines, err := parseShard(v)
		check("index shard", err, func() []byte { return marshalShard(lines) })
		tok, err := parseTokens(v)
		check("tokens", err, nil)
		if err == nil {
			back, err := parseTokens(marshalTokens(tok))
			if err != nil || !reflect.DeepEqual(back, tok) {
				t.Fatalf("tokens do not round-trip: %v", err)
			}
		}
		pk, err := parsePreKeys(v)
		check("prekeys", err, nil)
		if err == nil {
			back, err := pk.marshal()
			if err != nil {
				t.Fatal(err)
			}
			if again, err := parsePreKeys(back); err != nil || !reflect.DeepEqual(again, pk) {
				t.Fatalf("prekeys do not round-trip: %v", err)
			}
		}
		r, err := parseRequest(v)
		check("request", err, func() []byte { return r.marshal() })
		rep, err := parseReply(v)
		check("reply", err, nil)
		if err == nil && rep.err == nil {
			if !bytes.Equal(rep.marshal(), v) {
				t.Fatalf("reply %x encodes back to %x", v, rep.marshal())
			}
		}
		e, err := parseLive(v)
		check("live", err, func() []byte { return marshalLive(e) })
	})
}
