package store

import "testing"

// TestNames checks the names the api and exports give directions and
// statuses: they are part of their JSON.
func TestNames(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{Incoming.String(), "in"},
		{Outgoing.String(), "out"},
		{Local.String(), "local"},
		{StatusQueued.String(), "queued"},
		{StatusSent.String(), "sent"},
		{StatusDelivered.String(), "delivered"},
		{StatusRead.String(), "read"},
		{StatusFailed.String(), "failed"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
