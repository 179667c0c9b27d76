package cli

import (
	"reflect"
	"testing"

	"ratchat/transport"
)

// TestStatsAttrs: the logged counters name every field of
// transport.Stats once, each with its value.
func TestStatsAttrs(t *testing.T) {
	var s transport.Stats
	v := reflect.ValueOf(&s).Elem()
	for i := range v.NumField() { // a distinct value in each field
		switch f := v.Field(i); f.Kind() {
		case reflect.Uint64:
			f.SetUint(uint64(1000 + i))
		case reflect.Int64:
			f.SetInt(int64(1000 + i))
		default:
			t.Fatalf("Stats.%s is a %s", v.Type().Field(i).Name, f.Kind())
		}
	}
	attrs := statsAttrs(s)
	if len(attrs) != 2*v.NumField() {
		t.Fatalf("%d attributes for %d counters", len(attrs)/2, v.NumField())
	}
	seen := map[string]bool{}
	values := map[int64]bool{}
	for i := 0; i < len(attrs); i += 2 {
		name := attrs[i].(string)
		if seen[name] {
			t.Errorf("%s twice", name)
		}
		seen[name] = true
		n := reflect.ValueOf(attrs[i+1])
		if n.CanUint() {
			values[int64(n.Uint())] = true
		} else {
			values[n.Int()] = true
		}
	}
	for i := range v.NumField() {
		if !values[int64(1000+i)] {
			t.Errorf("Stats.%s is not logged", v.Type().Field(i).Name)
		}
	}
}
