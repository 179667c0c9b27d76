package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSignKnownAnswer checks Sign against HMAC-SHA256 computed by hand
// for a fixed input: the recipe docs/API.md ("Webhooks and metrics") gives receivers.
func TestSignKnownAnswer(t *testing.T) {
	body := []byte(`{"id":"ev-1","seq":1,"type":"message.received"}`)
	h := hmac.New(sha256.New, []byte("whsec_test"))
	h.Write([]byte("1700000000." + string(body)))
	want := "v1=" + hex.EncodeToString(h.Sum(nil))
	if got := Sign("whsec_test", 1700000000, body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

// TestVerify checks Verify's answers, each row a receiver's case.
func TestVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"ev-7"}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	good := Sign("s3cret", now.Unix(), body)
	for _, tc := range []struct {
		name, secret, sig, ts string
		body                  []byte
		want                  error
	}{
		{"good", "s3cret", good, ts, body, nil},
		{"among others", "s3cret", "v2=abcd, v1=00ff," + good, ts, body, nil},
		{"wrong secret", "other", good, ts, body, ErrBadSignature},
		{"body changed", "s3cret", good, ts, []byte(`{"id":"ev-8"}`), ErrBadSignature},
		{"timestamp changed", "s3cret", good, strconv.FormatInt(now.Unix()-1, 10), body, ErrBadSignature},
		{"too old", "s3cret", Sign("s3cret", now.Unix()-600, body), strconv.FormatInt(now.Unix()-600, 10), body, ErrStale},
		{"from the future", "s3cret", Sign("s3cret", now.Unix()+600, body), strconv.FormatInt(now.Unix()+600, 10), body, ErrStale},
		{"no timestamp", "s3cret", good, "", body, ErrBadSignature},
		{"timestamp not a number", "s3cret", good, "12a", body, ErrBadSignature},
		{"no v1", "s3cret", "v2=" + good[3:], ts, body, ErrBadSignature},
		{"not hex", "s3cret", "v1=zz", ts, body, ErrBadSignature},
		{"empty header", "s3cret", "", ts, body, ErrBadSignature},
		{"header too long", "s3cret", good + string(make([]byte, MaxSignatureHeader)), ts, body, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.sig, tc.ts, tc.body, now, 5*time.Minute)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzVerify feeds Verify any headers: it never panics, accepts only a
// signature of the body, and always accepts what Sign made.
func FuzzVerify(f *testing.F) {
	f.Add("secret", "v1=00", "1700000000", []byte("{}"))
	f.Add("secret", Sign("secret", 1700000000, []byte("{}")), "1700000000", []byte("{}"))
	f.Add("", "v1=,v1=,,=", "-1", []byte(nil))
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, secret, sig, ts string, body []byte) {
		err := Verify(secret, sig, ts, body, now, time.Hour)
		if err == nil && sig != Sign(secret, mustInt(ts), body) {
			// A list holding the right signature passes too, its hex in
			// either case (the same bytes: the fuzzer found uppercase).
			if !containsSig(strings.ToLower(sig), Sign(secret, mustInt(ts), body)) {
				t.Fatalf("accepted %q for ts %q", sig, ts)
			}
		}
		if err != nil && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrStale) {
			t.Fatalf("untyped error %v", err)
		}
		if n, perr := strconv.ParseInt(ts, 10, 64); perr == nil {
			if err := Verify(secret, Sign(secret, n, body), ts, body, time.Unix(n, 0), time.Second); err != nil && len(ts) <= 20 {
				t.Fatalf("Sign's own signature refused: %v", err)
			}
		}
	})
}

func mustInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// containsSig reports whether a header's list holds sig.
func containsSig(header, sig string) bool {
	for i := 0; i+len(sig) <= len(header); i++ {
		if header[i:i+len(sig)] == sig {
			return true
		}
	}
	return false
}

// TestBackoffSchedule checks the retry schedule: doubling from the
// minimum, capped at the maximum, and the jitter's bounds.
func TestBackoffSchedule(t *testing.T) {
	none := func(int64) int64 { return 0 }
	full := func(n int64) int64 { return n - 1 }
	b := backoff{min: time.Second, max: time.Hour, jitter: none}
	for _, tc := range []struct {
		attempt int
		want    time.Duration // with no jitter: half the step
	}{
		{0, 500 * time.Millisecond}, {1, 500 * time.Millisecond}, {2, time.Second}, {3, 2 * time.Second},
		{12, 2048 * time.Second / 2}, {13, 30 * time.Minute}, {14, 30 * time.Minute}, {1000, 30 * time.Minute},
	} {
		if got := b.delay(tc.attempt); got != tc.want {
			t.Errorf("delay(%d) = %v, want %v", tc.attempt, got, tc.want)
		}
	}
	b.jitter = full
	if got := b.delay(1); got != time.Second-1 {
		t.Errorf("delay(1) with the most jitter = %v", got)
	}
	b.jitter = nil
	for range 100 {
		if d := b.delay(3); d < 2*time.Second || d >= 4*time.Second {
			t.Fatalf("delay(3) = %v, outside [2s, 4s)", d)
		}
	}
	// Over 7 days the schedule makes about 7*24 + 12 attempts, not more.
	var total time.Duration
	n := 0
	for b.jitter = none; total < DefaultMaxAge; n++ {
		total += backoff{min: DefaultMinBackoff, max: DefaultMaxBackoff, jitter: full}.delay(n + 1)
	}
	if n < 150 || n > 200 {
		t.Errorf("%d attempts in 7 days", n)
	}
}
