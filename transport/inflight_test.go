package transport

import (
	"testing"
)

// TestFlightLimitFits: a deposit fits while both the count and the bytes
// stay within the bounds, and the first one always fits.
func TestFlightLimitFits(t *testing.T) {
	tests := []struct {
		name     string
		maxCount int
		maxBytes int64
		held     []int64 // in flight already
		next     int64
		fits     bool
	}{
		{"room", 4, 100, []int64{10, 10}, 10, true},
		{"count full", 2, 100, []int64{10, 10}, 10, false},
		{"bytes full", 8, 100, []int64{60, 30}, 20, false},
		{"bytes exactly", 8, 100, []int64{60, 30}, 10, true},
		{"oversize alone", 8, 100, nil, 500, true},
		{"oversize with another", 8, 100, []int64{1}, 500, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlightLimit(tt.maxCount, tt.maxBytes)
			for _, n := range tt.held {
				f.acquire(n)
			}
			f.mu.Lock()
			got := f.fits(tt.next)
			f.mu.Unlock()
			if got != tt.fits {
				t.Fatalf("fits(%d) with %v held = %v, want %v", tt.next, tt.held, got, tt.fits)
			}
		})
	}
}

// TestFlightLimitRelease: a deposit waiting for room gets in once enough
// is released, and the bound's tally is right afterwards.
func TestFlightLimitRelease(t *testing.T) {
	f := newFlightLimit(8, 100)
	f.acquire(70)
	f.acquire(20)
	in := make(chan struct{})
	go func() { f.acquire(50); close(in) }()
	f.release(70) // 20 + 50 fits
	<-in
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count != 2 || f.bytes != 70 {
		t.Fatalf("count %d bytes %d, want 2 and 70", f.count, f.bytes)
	}
}
