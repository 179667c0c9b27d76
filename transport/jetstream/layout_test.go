package jetstream

import (
	"errors"
	"testing"
)

// TestLayoutPartitions reads the partition count out of layout records,
// and refuses records that name none.
func TestLayoutPartitions(t *testing.T) {
	for _, tt := range []struct {
		record string
		want   int
	}{
		{"16 segments index", 16},
		{"64 segments", 64},
		{"8 segments migrating a 123", 8},
		{"65536 segments index", 65536},
		{"", 0},
		{"segments index", 0},
		{"0 segments index", 0},
		{"-3 segments index", 0},
		{"65537 segments index", 65537},
		{"99999999999999999999 segments", 0},
	} {
		n, err := layoutPartitions(tt.record)
		if tt.want == 0 {
			if !errors.Is(err, ErrConfig) {
				t.Errorf("%q: %d, %v; want ErrConfig", tt.record, n, err)
			}
			continue
		}
		if n != tt.want || err != nil {
			t.Errorf("%q: %d, %v; want %d", tt.record, n, err, tt.want)
		}
	}
}

// FuzzLayoutPartitions: any record gives a positive count or ErrConfig.
func FuzzLayoutPartitions(f *testing.F) {
	f.Add("16 segments index")
	f.Add("64 segments migrating x 1")
	f.Fuzz(func(t *testing.T, record string) {
		n, err := layoutPartitions(record)
		if err != nil && !errors.Is(err, ErrConfig) {
			t.Fatalf("%q: error %v is not ErrConfig", record, err)
		}
		if err == nil && n < 1 {
			t.Fatalf("%q: %d partitions", record, n)
		}
	})
}
