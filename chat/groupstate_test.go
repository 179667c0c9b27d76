package chat

import (
	"bytes"
	"errors"
	"testing"

	"ratchat/keys"
	"ratchat/store"
)

// stateKeys returns n identity key pairs made from fixed seeds.
func stateKeys(t testing.TB, n int) []keys.KeyPair {
	t.Helper()
	out := make([]keys.KeyPair, n)
	for i := range out {
		var priv keys.PrivateKey
		priv[1], priv[2] = byte(i+1), 7
		kp, err := keys.NewKeyPair(priv)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = kp
	}
	return out
}

// testState is version 1 of a group of ks, ks[0] its admin and author.
func testState(t testing.TB, ks []keys.KeyPair) *GroupState {
	t.Helper()
	g := &GroupState{ID: store.GroupID{1, 2, 3}, Version: 1, Name: "climbing", Token: [TokenSize]byte{9}}
	for i, k := range ks {
		g.Members = append(g.Members, StateMember{Identity: k.Public, Home: "127.0.0.1:7070", Admin: i == 0})
	}
	if err := g.sign(bytes.NewReader(make([]byte, 64)), &ks[0]); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGroupStateRoundTrip: a signed state parses back to itself; any
// flipped bit is refused.
func TestGroupStateRoundTrip(t *testing.T) {
	ks := stateKeys(t, 3)
	g := testState(t, ks)
	b := g.Marshal()
	got, err := ParseGroupState(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Marshal(), b) || got.Name != "climbing" || len(got.Members) != 3 || !got.Members[0].Admin || got.Members[1].Admin {
		t.Fatalf("round trip changed the state: %+v", got)
	}
	for i := range b {
		for _, bit := range []byte{1, 0x80} {
			c := bytes.Clone(b)
			c[i] ^= bit
			if _, err := ParseGroupState(c); !errors.Is(err, ErrBadGroupState) {
				t.Fatalf("byte %d bit %#x flipped: %v", i, bit, err)
			}
		}
	}
}

// TestGroupStateBounds: states that break a rule cannot be signed, and
// bytes that do not parse are refused with ErrBadGroupState.
func TestGroupStateBounds(t *testing.T) {
	ks := stateKeys(t, 2)
	cases := []struct {
		name   string
		change func(*GroupState)
	}{
		{"zero id", func(g *GroupState) { g.ID = store.GroupID{} }},
		{"version 0", func(g *GroupState) { g.Version = 0 }},
		{"long name", func(g *GroupState) { g.Name = string(make([]byte, MaxGroupName+1)) }},
		{"name not UTF-8", func(g *GroupState) { g.Name = "\xff" }},
		{"zero token", func(g *GroupState) { g.Token = [TokenSize]byte{} }},
		{"member twice", func(g *GroupState) { g.Members = append(g.Members, g.Members[1]) }},
		{"empty home", func(g *GroupState) { g.Members[1].Home = "" }},
		{"no admin", func(g *GroupState) { g.Members[0].Admin = false }},
		{"creator not admin", func(g *GroupState) { g.Members[0].Admin, g.Members[1].Admin = false, true }},
		{"too many members", func(g *GroupState) {
			for len(g.Members) <= MaxGroupMembers {
				g.Members = append(g.Members, StateMember{Identity: keys.PublicKey{byte(len(g.Members)), byte(len(g.Members) >> 8), 1}, Home: "h"})
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := testState(t, ks)
			tc.change(g)
			if err := g.sign(bytes.NewReader(make([]byte, 64)), &ks[0]); !errors.Is(err, ErrBadGroupState) {
				t.Fatalf("signed: %v", err)
			}
		})
	}
	good := testState(t, ks).Marshal()
	for _, b := range [][]byte{nil, {2}, good[:len(good)-1], append(bytes.Clone(good), 0), make([]byte, MaxGroupStateSize+1)} {
		if _, err := ParseGroupState(b); !errors.Is(err, ErrBadGroupState) {
			t.Fatalf("%d bytes: %v", len(b), err)
		}
	}
}

// TestGroupStateNext: who may sign the next version.
func TestGroupStateNext(t *testing.T) {
	ks := stateKeys(t, 4) // 0 admin; 1, 2 members; 3 outsider
	v1 := testState(t, ks[:3])
	cases := []struct {
		name   string
		author int
		change func(*GroupState)
		ok     bool
	}{
		{"admin renames", 0, func(g *GroupState) { g.Name = "bouldering" }, true},
		{"admin removes", 0, func(g *GroupState) { g.Members = g.Members[:2] }, true},
		{"admin promotes", 0, func(g *GroupState) { g.Members[1].Admin = true }, true},
		{"member leaves", 1, func(g *GroupState) { g.Members = append(g.Members[:1], g.Members[2]) }, true},
		{"member renames", 1, func(g *GroupState) { g.Name = "mine" }, false},
		{"member removes another", 1, func(g *GroupState) { g.Members = g.Members[:2] }, false},
		{"member leaves and renames", 1, func(g *GroupState) {
			g.Members = append(g.Members[:1], g.Members[2])
			g.Name = "bye"
		}, false},
		{"member promotes itself", 1, func(g *GroupState) { g.Members[1].Admin = true }, false},
		{"outsider", 3, func(g *GroupState) { g.Name = "mine" }, false},
		{"version skipped", 0, func(g *GroupState) { g.Version++ }, false},
		{"another group", 0, func(g *GroupState) { g.ID[0]++ }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			next := v1.clone()
			next.Version++
			tc.change(next)
			if err := next.sign(bytes.NewReader(make([]byte, 64)), &ks[tc.author]); err != nil {
				t.Fatal(err)
			}
			parsed, err := ParseGroupState(next.Marshal())
			if err != nil {
				t.Fatal(err)
			}
			err = checkNext(v1, parsed)
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrBadGroupState) {
				t.Fatalf("checkNext = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// FuzzGroupState: the parser never panics, refuses with ErrBadGroupState,
// and what it accepts encodes back to the same bytes.
func FuzzGroupState(f *testing.F) {
	ks := stateKeys(f, 3)
	f.Add(testState(f, ks).Marshal())
	f.Add(testState(f, ks[:1]).Marshal())
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseGroupState(b)
		if err != nil {
			if !errors.Is(err, ErrBadGroupState) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if !bytes.Equal(g.Marshal(), b) {
			t.Fatal("accepted bytes that do not encode back")
		}
	})
}
