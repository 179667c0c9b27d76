package chat

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseMute(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		err  error
	}{
		{"1h", now.Add(time.Hour), nil},
		{"8h", now.Add(8 * time.Hour), nil},
		{"1W", now.Add(7 * 24 * time.Hour), nil},
		{"always", MuteForever, nil},
		{" off ", time.Time{}, nil},
		{"2h", time.Time{}, ErrBadMute},
		{"", time.Time{}, ErrBadMute},
	}
	for _, tt := range tests {
		got, err := ParseMute(tt.in, now)
		if !errors.Is(err, tt.err) || !got.Equal(tt.want) {
			t.Errorf("ParseMute(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestMute: a mute shows in the summary until it ends (on the messenger's
// clock), and off clears it.
func TestMute(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var clock atomic.Int64 // Unix nanoseconds, read by the messenger's goroutines
	clock.Store(now.UnixNano())
	alice := newProfileWith(t, "alice", "", func(c *Config) {
		c.Now = func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	})
	bob := newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	until, _ := ParseMute("8h", now)
	if err := alice.m.Mute(ctx, ab.ID, until); err != nil {
		t.Fatal(err)
	}
	if s, err := alice.m.Summary(ctx, ab.ID); err != nil || !s.Muted() || !s.MutedUntil.Equal(until) {
		t.Fatalf("summary after muting: %+v, %v", s, err)
	}
	later := now.Add(9 * time.Hour)
	clock.Store(later.UnixNano())
	if s, _ := alice.m.Summary(ctx, ab.ID); s.Muted() {
		t.Fatal("a mute that ended still shows")
	}
	if err := alice.m.Mute(ctx, ab.ID, MuteForever); err != nil {
		t.Fatal(err)
	}
	if s, _ := alice.m.Summary(ctx, ab.ID); !s.Muted() {
		t.Fatal("muted always, not muted")
	}
	if err := alice.m.Mute(ctx, ab.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if s, _ := alice.m.Summary(ctx, ab.ID); s.Muted() {
		t.Fatal("off did not unmute")
	}
}
