package api

import (
	"errors"
	"strconv"
	"testing"
)

// errorsIs is errors.Is, for the tests of this file's parser.
func errorsIs(err, target error) bool { return errors.Is(err, target) }

// FuzzParseEventsQuery feeds GET /events's parser arbitrary query strings
// and Last-Event-ID headers: it never panics, fails only with
// ErrBadEventsQuery, and what it accepts keeps its bounds.
func FuzzParseEventsQuery(f *testing.F) {
	for _, s := range [][2]string{{"consumer=a", ""}, {"consumer=a&after=5", "7"}, {"consumer=%zz", ""},
		{"consumer=a&after=-1", ""}, {"after=1", "2"}, {"consumer=a", "18446744073709551616"},
		{"consumer=a", "-0"}, {"consumer=a", "+5"}, {"consumer=a&after=-0", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, query, lastID string) {
		q, err := parseEventsQuery(query, lastID)
		if err != nil {
			if !errors.Is(err, ErrBadEventsQuery) {
				t.Fatalf("%v is no ErrBadEventsQuery", err)
			}
			return
		}
		if q.consumer == "" || len(q.consumer) > MaxConsumerName || q.after < 0 {
			t.Fatalf("accepted %+v", q)
		}
		if lastID != "" && (!q.set || strconv.FormatInt(q.after, 10) != lastID && lastID[0] != '0') {
			t.Fatalf("Last-Event-ID %q gave %+v", lastID, q)
		}
	})
}
