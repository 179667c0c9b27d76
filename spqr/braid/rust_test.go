package braid

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"ratchat/spqr/erasure"
	"ratchat/spqr/incmlkem"
)

// loadVectors reads testdata/rust_states.txt strictly: every name once,
// known names only, hex of the expected length.
func loadVectors(t *testing.T) map[string][]byte {
	t.Helper()
	sizes := map[string]int{
		"a_auth_root": 32, "a_auth_mac": 32, "header": incmlkem.HeaderSize, "m": 32,
		"ct1": incmlkem.Ciphertext1Size, "b_auth_root": 32, "b_auth_mac": 32,
		"ek": incmlkem.EncapsulationKeySize, "ct1_chunk_0": 32, "ct1_chunk_27": 32,
	}
	f, err := os.Open("testdata/rust_states.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := map[string][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<16)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hx, ok := strings.Cut(line, " ")
		size, known := sizes[name]
		b, err := hex.DecodeString(hx)
		if !ok || !known || err != nil || len(b) != size || v[name] != nil {
			t.Fatalf("bad vector line %.40q", line)
		}
		v[name] = b
	}
	if err := sc.Err(); err != nil || len(v) != len(sizes) {
		t.Fatalf("read %d of %d vectors: %v", len(v), len(sizes), err)
	}
	return v
}

// TestRustGeneratedStates replays B's Encaps1 step of epoch 1 from values
// that the Rust implementation stored, through our HeaderReceived → Ct1Sampled
// transition: ct1, its chunks as A received them, and B's authenticator
// after mixing in the epoch secret must all come out byte for byte. This
// checks the epoch-secret HKDF, the authenticator update, the incremental
// Encaps1 and the chunking against the reference. It then gives B the key
// vector, which must match the header, and B moves on to ct2.
func TestRustGeneratedStates(t *testing.T) {
	v := loadVectors(t)
	var auth authenticator
	copy(auth.root[:], v["a_auth_root"])
	copy(auth.mac[:], v["a_auth_mac"])
	b := States{kind: kindHeaderReceived, epoch: 1, auth: auth, hdr: v["header"]}

	next, msg, key, err := b.Send(bytes.NewReader(v["m"]))
	if err != nil {
		t.Fatal(err)
	}
	if next.kind != kindCt1Sampled || key == nil || key.Epoch != 1 || msg.Type != TypeCt1 || msg.Epoch != 1 {
		t.Fatalf("Send from HeaderReceived = %v, %+v, %v", next, msg, key)
	}
	if !bytes.Equal(next.ct1, v["ct1"]) {
		t.Error("ct1 differs from the Rust state's")
	}
	if !bytes.Equal(next.auth.root[:], v["b_auth_root"]) || !bytes.Equal(next.auth.mac[:], v["b_auth_mac"]) {
		t.Error("authenticator after the epoch secret differs from the Rust state's")
	}
	if msg.Chunk.Index != 0 || !bytes.Equal(msg.Chunk.Data[:], v["ct1_chunk_0"]) {
		t.Errorf("first ct1 chunk = %d %x, want 0 %x", msg.Chunk.Index, msg.Chunk.Data, v["ct1_chunk_0"])
	}
	if c := next.enc.Chunk(27); !bytes.Equal(c.Data[:], v["ct1_chunk_27"]) {
		t.Errorf("ct1 chunk 27 = %x, want %x", c.Data, v["ct1_chunk_27"])
	}

	enc, err := erasure.NewEncoder(v["ek"])
	if err != nil {
		t.Fatal(err)
	}
	s := next
	for i := range uint16(36) {
		if s, _, err = s.Recv(Message{Epoch: 1, Type: TypeEkCt1Ack, Chunk: enc.Chunk(i)}); err != nil {
			t.Fatalf("ek chunk %d: %v", i, err)
		}
	}
	if s.kind != kindCt2Sampled {
		t.Fatalf("after all of ek and the ack, B is in %v, want Ct2Sampled", s)
	}
}
