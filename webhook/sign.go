package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of every delivery.
const (
	// HeaderEventID carries the event's id ("ev-<seq>"): the same on every
	// attempt and replay, so that a receiver drops what it has seen.
	HeaderEventID = "X-Ratchat-Event-Id"
	// HeaderTimestamp carries the time of the attempt, in unix seconds.
	HeaderTimestamp = "X-Ratchat-Timestamp"
	// HeaderSignature carries "v1=" and the hex HMAC-SHA256 of the
	// timestamp, ".", and the body, keyed with the webhook's secret.
	HeaderSignature = "X-Ratchat-Signature"
)

// signatureVersion labels the signature scheme, so that a later scheme can
// be sent beside it ("v1=…,v2=…") while receivers move over.
const signatureVersion = "v1"

// MaxSignatureHeader bounds a signature header [Verify] reads.
const MaxSignatureHeader = 1024

// Sign returns the signature header's value for a body posted at
// timestamp ts (unix seconds): "v1=" || hex(HMAC-SHA256(secret, ts "." body)).
//
// Why the timestamp is signed: a receiver that refuses old timestamps
// ([Verify]'s tolerance) cannot be fed a recorded delivery again later.
// The secret is used as the bytes of the string shown to the operator.
func Sign(secret string, ts int64, body []byte) string {
	return signatureVersion + "=" + hex.EncodeToString(mac(secret, ts, body))
}

// mac is HMAC-SHA256(secret, ts "." body).
func mac(secret string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(ts, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a delivery as a receiver written in Go would: the
// timestamp header's value (unix seconds) within tolerance of now, and one
// v1 signature of the header (a comma-separated list) matching the body
// under secret, compared in constant time.
func Verify(secret, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(signature) > MaxSignatureHeader || len(timestamp) > 20 {
		return fmt.Errorf("%w: header too long", ErrBadSignature)
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrBadSignature, timestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp %d is %v from now", ErrStale, ts, d)
	}
	want := mac(secret, ts, body)
	for part := range strings.SplitSeq(signature, ",") {
		v, sig, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v != signatureVersion {
			continue
		}
		got, err := hex.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrBadSignature
}
