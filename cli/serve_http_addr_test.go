package cli

import "testing"

// TestOnLoopback: only an address on the loopback interface counts as
// safe for plain HTTP; every other one makes serve warn.
func TestOnLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.1.2.3:8080", true},
		{"[::1]:8080", true},
		{"0.0.0.0:8080", false},
		{"[::]:8080", false},
		{"192.168.1.10:8080", false},
		{"[2001:db8::1]:8080", false},
		{"localhost:8080", false}, // a listener's address is numeric; a name is not trusted
		{"no port", false},
	}
	for _, tt := range tests {
		if got := onLoopback(tt.addr); got != tt.want {
			t.Errorf("onLoopback(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}
