package chat

import (
	"testing"
	"time"
)

// TestHomeBackoff: the waits between tries to reach the home double from
// the least up to the most, and start again from the least after a
// connection that had come up, however long the run of failures before.
func TestHomeBackoff(t *testing.T) {
	const least, most = 500 * time.Millisecond, 30 * time.Second
	cases := []struct {
		name        string
		wait        time.Duration
		cameUp      bool
		pause, next time.Duration
	}{
		{"first failure", least, false, least, 2 * least},
		{"failures in a row double", 4 * time.Second, false, 4 * time.Second, 8 * time.Second},
		{"up to the most", 20 * time.Second, false, 20 * time.Second, most},
		{"never past the most", most, false, most, most},
		{"after a connection that came up", most, true, least, 2 * least},
		{"a wait under the least", 0, false, least, 2 * least},
	}
	for _, c := range cases {
		pause, next := homeBackoff(c.wait, c.cameUp, least, most)
		if pause != c.pause || next != c.next {
			t.Errorf("%s: pause %v, next %v; want %v, %v", c.name, pause, next, c.pause, c.next)
		}
	}
}
