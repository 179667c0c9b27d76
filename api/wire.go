package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// Bounds of the wire.
const (
	// MaxRequestSize bounds one request line (a batch counts as one).
	MaxRequestSize = 1 << 20
	// MaxBatch bounds the requests of one batch.
	MaxBatch = 100
	// MaxResponseSize bounds one response line, as the client reads it.
	MaxResponseSize = 256 << 20
	// maxMethodName bounds a method's name.
	maxMethodName = 128
)

// version is the "jsonrpc" member of every request and response.
const version = "2.0"

// request is one JSON-RPC 2.0 request object. An absent id makes it a
// notification: it runs, and nothing is answered.
type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// response is one JSON-RPC 2.0 response object: a result or an error.
type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

// parsed is one request of a line: valid, or the error that answers it.
type parsed struct {
	req request
	err *Error
}

// notification reports whether the request wants no answer. A request
// that could not be read is always answered (with a null id).
func (p parsed) notification() bool { return p.err == nil && p.req.ID == nil }

// decodeLine reads one line: a request, or a batch of them (a JSON array).
// A line that is not JSON, or an empty or oversized batch, gives an error
// that answers the whole line.
func decodeLine(line []byte) (calls []parsed, batch bool, err *Error) {
	line = bytes.TrimSpace(line)
	if len(line) > MaxRequestSize {
		return nil, false, errorf(CodeTooLarge, "api: request over %d bytes", MaxRequestSize)
	}
	if !json.Valid(line) {
		return nil, false, errorf(CodeParse, "api: parse error: the request is not JSON")
	}
	if line[0] != '[' {
		return []parsed{decodeRequest(line)}, false, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(line, &raws); err != nil {
		return nil, false, errorf(CodeParse, "api: parse error: %v", err)
	}
	if len(raws) == 0 || len(raws) > MaxBatch {
		return nil, false, errorf(CodeInvalidRequest, "api: invalid request: a batch holds 1 to %d requests", MaxBatch)
	}
	for _, raw := range raws {
		calls = append(calls, decodeRequest(raw))
	}
	return calls, true, nil
}

// decodeRequest reads one request object, strictly: the members of
// JSON-RPC 2.0 and no others, "jsonrpc" exactly "2.0", a method name, an
// id that is a string, a number or null.
func decodeRequest(raw json.RawMessage) parsed {
	var p parsed
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	d.UseNumber()
	if len(raw) == 0 || raw[0] != '{' || d.Decode(&p.req) != nil {
		var probe struct { // answer with the id if it can be read at all
			ID json.RawMessage `json:"id"`
		}
		json.Unmarshal(raw, &probe)
		p.req = request{ID: validID(probe.ID)}
		p.err = errorf(CodeInvalidRequest, "api: invalid request: not a JSON-RPC 2.0 request object")
		return p
	}
	switch {
	case validID(p.req.ID) == nil && p.req.ID != nil:
		p.err = errorf(CodeInvalidRequest, "api: invalid request: the id must be a string, a number or null")
	case p.req.JSONRPC != version:
		p.err = errorf(CodeInvalidRequest, `api: invalid request: "jsonrpc" must be "2.0"`)
	case p.req.Method == "" || len(p.req.Method) > maxMethodName:
		p.err = errorf(CodeInvalidRequest, "api: invalid request: the method must be a name of 1 to %d bytes", maxMethodName)
	}
	if p.err != nil {
		p.req.ID = validID(p.req.ID)
	}
	return p
}

// validID returns id if it is a string, a number or null, and nil
// otherwise (an error then answers with a null id).
func validID(id json.RawMessage) json.RawMessage {
	if len(id) == 0 {
		return nil
	}
	switch c := id[0]; {
	case c == '"', c == '-', c >= '0' && c <= '9', bytes.Equal(id, []byte("null")):
		return id
	}
	return nil
}

// decodeParams reads a method's params into p: an object with the
// param struct's members and no others; absent or null params leave p at
// its zero value.
func decodeParams(raw json.RawMessage, p any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if raw[0] != '{' {
		return errorf(CodeInvalidParams, "api: invalid params: params must be an object (by name)")
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(p); err != nil {
		return errorf(CodeInvalidParams, "api: invalid params: %v", err)
	}
	return nil
}

// readLine reads one line (without its newline) of at most max bytes;
// a longer one gives [ErrTooLarge], after which the stream is out of step
// and must be closed. A last line without a newline is a line too.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > max+1 { // +1: the newline
			return nil, ErrTooLarge
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > max:
			return nil, ErrTooLarge
		case errors.Is(err, io.EOF) && len(line) > 0:
			return line, nil
		}
		return nil, err
	}
}
