package config

import (
	"bytes"
	"io"
	"strings"
)

// ioLimit reads at most MaxSize+1 bytes of r, so that Parse can tell a
// file that is too large.
func ioLimit(r io.Reader) io.Reader { return io.LimitReader(r, MaxSize+1) }

// locate maps each dotted key defined in data to the line it is on (from
// 1), for the problems the decoder reports without one. It reads table
// headers and "key = value" lines; what it cannot read (a key inside a
// multi-line value) keeps the first line it was seen on, or none.
func locate(data []byte) map[string]int {
	lines := map[string]int{}
	table := ""
	for i, raw := range bytes.Split(data, []byte("\n")) {
		line := strings.TrimSpace(string(raw))
		switch {
		case line == "" || line[0] == '#':
			continue
		case strings.HasPrefix(line, "["):
			name := strings.Trim(line, "[] \t")
			if j := strings.Index(name, "]"); j >= 0 {
				name = name[:j]
			}
			table = dotted(name)
			if _, ok := lines[table]; !ok {
				lines[table] = i + 1
			}
		default:
			k, _, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			full := dotted(k)
			if table != "" {
				full = table + "." + full
			}
			if _, ok := lines[full]; !ok {
				lines[full] = i + 1
			}
		}
	}
	return lines
}

// dotted normalizes a key as written ("a . \"b\"") to its dotted form.
func dotted(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}
