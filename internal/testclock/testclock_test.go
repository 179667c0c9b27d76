package testclock

import (
	"testing"
	"time"
)

// TestClock checks that the clock reads what it was set to and moved by.
func TestClock(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(t0)
	steps := []struct {
		do   func()
		want time.Time
	}{
		{func() {}, t0},
		{func() { c.Advance(time.Hour) }, t0.Add(time.Hour)},
		{func() { c.Set(t0.Add(-time.Minute)) }, t0.Add(-time.Minute)},
		{func() { c.Advance(2 * time.Minute) }, t0.Add(time.Minute)},
	}
	for i, s := range steps {
		s.do()
		if got := c.Now(); !got.Equal(s.want) {
			t.Errorf("step %d: %v, want %v", i, got, s.want)
		}
	}
}
