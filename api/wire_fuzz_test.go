package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzDecodeLine feeds request lines to the decoder: it never panics, a
// line is answered as a whole (parse error, too large, bad batch) or per
// request, every accepted request is JSON-RPC 2.0 with a method and a
// valid id, and every error answer is valid JSON with a code of the table.
func FuzzDecodeLine(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"contacts"}`,
		`{"jsonrpc":"2.0","id":"a","method":"send","params":{"contact":"Bob","text":"hi","wait_seconds":5}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"invite"},{"jsonrpc":"2.0","method":"contacts"}]`,
		`{"jsonrpc":"2.0","id":{},"method":"x"}`, `[]`, `[1,2]`, `null`, `"x"`, `{"jsonrpc":"1.0"}`,
		`{"jsonrpc":"2.0","id":null,"method":"messages","params":[1]}`, "\x00", `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		calls, batch, perr := decodeLine(line)
		if perr != nil {
			if calls != nil || perr.Unwrap() == nil {
				t.Fatalf("a line error %+v with calls %v", perr, calls)
			}
			return
		}
		if len(calls) == 0 || len(calls) > MaxBatch || !batch && len(calls) != 1 {
			t.Fatalf("%d calls (batch %v)", len(calls), batch)
		}
		for _, p := range calls {
			if p.err != nil {
				if p.err.Unwrap() == nil {
					t.Fatalf("error code %d not in the table", p.err.Code)
				}
			} else if p.req.JSONRPC != version || p.req.Method == "" || len(p.req.Method) > maxMethodName {
				t.Fatalf("accepted %+v", p.req)
			}
			if p.req.ID != nil && validID(p.req.ID) == nil {
				t.Fatalf("answering with id %s", p.req.ID)
			}
			b, err := json.Marshal(response{JSONRPC: version, ID: p.req.ID, Error: p.err})
			if err != nil || !json.Valid(b) {
				t.Fatalf("response %s: %v", b, err)
			}
			var params struct {
				Contact string `json:"contact"`
				N       int    `json:"n"`
			}
			if err := decodeParams(p.req.Params, &params); err != nil && !errors.Is(err, ErrInvalidParams) {
				t.Fatalf("params error %v", err)
			}
		}
	})
}

// FuzzReadLine checks the line reader's bound: no line it returns is over
// the limit, and what it returns joins back into the input.
func FuzzReadLine(f *testing.F) {
	f.Add([]byte("a\nbb\n\nccc"), 2)
	f.Add([]byte(strings.Repeat("x", 100)), 10)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		r := bufio.NewReaderSize(bytes.NewReader(in), 16)
		var got [][]byte
		for {
			line, err := readLine(r, max)
			if errors.Is(err, ErrTooLarge) {
				return
			}
			if err != nil {
				break
			}
			if len(line) > max {
				t.Fatalf("line of %d bytes over %d", len(line), max)
			}
			got = append(got, line)
		}
		want := bytes.TrimSuffix(in, []byte("\n"))
		if j := bytes.Join(got, []byte("\n")); len(in) > 0 && !bytes.Equal(j, want) {
			t.Fatalf("lines %q from %q", got, in)
		}
	})
}
