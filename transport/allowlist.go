package transport

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"ratchat/keys"
)

// Allow-lists. A relay started with an allow-list lets only the listed
// identities register a mailbox ([Config.AllowList]). The list is text,
// one entry a line: an invite, or an identity key in hex (32 bytes, or 33
// with libsignal's 0x05 type byte). Blank lines are skipped and a # starts
// a comment that runs to the end of its line.
const (
	// MaxAllowLine bounds one line of an allow-list, its line end
	// included. An invite or a hex key with a comment fits many times.
	MaxAllowLine = 1024

	// MaxAllowEntries bounds the entries of an allow-list. Why a bound:
	// the relay keeps the list in memory and checks every registration
	// against it.
	MaxAllowEntries = 1 << 16
)

// ParseAllowList reads an allow-list (see [MaxAllowLine] for the format).
// Errors wrap [ErrAllowList]: [ErrAllowListEmpty] for a list without a
// single entry (a relay must never take one for "anyone may register"),
// [ErrAllowListSize] for a line or a list over its bound, and otherwise
// the line number and why its entry is not an invite or a key. A read
// error of r is returned as it is.
func ParseAllowList(r io.Reader) ([]keys.PublicKey, error) {
	sc := bufio.NewScanner(r)
	// Why a small first buffer: the scanner takes the larger of its
	// capacity and the maximum as the bound.
	sc.Buffer(make([]byte, 0, 512), MaxAllowLine)
	var out []keys.PublicKey
	n := 0
	for sc.Scan() {
		n++
		line, _, _ := bytes.Cut(sc.Bytes(), []byte("#"))
		if line = bytes.TrimSpace(line); len(line) == 0 {
			continue
		}
		if len(out) == MaxAllowEntries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrAllowListSize, MaxAllowEntries)
		}
		k, err := parseAllowEntry(string(line))
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrAllowList, n, err)
		}
		out = append(out, k)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("%w: line %d is longer than %d bytes", ErrAllowListSize, n+1, MaxAllowLine)
	} else if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrAllowListEmpty
	}
	return out, nil
}

// ReadAllowList reads the allow-list file at path with [ParseAllowList];
// its errors name the file.
func ReadAllowList(path string) ([]keys.PublicKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("transport: allow-list: %w", err)
	}
	defer f.Close()
	list, err := ParseAllowList(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return list, nil
}

// parseAllowEntry reads an invite, or an identity key in hex (32 bytes,
// or 33 with libsignal's 0x05 type byte).
func parseAllowEntry(s string) (keys.PublicKey, error) {
	if len(s) >= len(InvitePrefix) && strings.EqualFold(s[:len(InvitePrefix)], InvitePrefix) {
		inv, err := ParseInvite(s)
		return inv.Identity, err
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return keys.PublicKey{}, fmt.Errorf("neither an invite nor a hex key: %w", err)
	}
	if len(b) == keys.SerializedKeySize {
		return keys.ParsePublicKey(b)
	}
	return keys.NewPublicKey(b)
}
