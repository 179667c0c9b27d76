package chat

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// SanitizeFileName makes a peer-supplied file name safe to create in the
// downloads folder: no folders, no control or formatting characters, no
// leading dot (hidden files), at most 100 characters.
func SanitizeFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "/" || name == "." {
		name = ""
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '/' || r == 0 || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	out := strings.TrimLeft(strings.TrimSpace(b.String()), ".")
	if r := []rune(out); len(r) > 100 {
		out = string(r[:100])
	}
	if out == "" {
		out = "file"
	}
	return out
}

// uniquePath returns dir/name, or dir/"stem (n).ext" if that exists.
func uniquePath(dir, name string) string {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	path := filepath.Join(dir, name)
	for n := 1; ; n++ {
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			return path
		}
		path = filepath.Join(dir, fmt.Sprintf("%s (%d)%s", stem, n, ext))
	}
}
