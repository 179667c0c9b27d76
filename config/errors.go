package config

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is returned (inside an [*Error]) when the file is not valid
// TOML, or holds an unknown key, a value of the wrong type, or a value out
// of range.
var ErrInvalid = errors.New("config: invalid configuration")

// ErrTooLarge is returned when the file is larger than [MaxSize].
var ErrTooLarge = errors.New("config: file too large")

// Problem is one thing wrong in a configuration file.
type Problem struct {
	// Line is the line of the file it is on, from 1; 0 when unknown.
	Line int
	// Key is the dotted key it concerns, when there is one.
	Key string
	// Msg says what is wrong.
	Msg string
}

// Error lists what is wrong in a configuration file, each with its line.
// It matches [ErrInvalid] with errors.Is.
type Error struct {
	// File is the file's name, as given to [Load] or [Parse].
	File string
	// Problems are in the order of their lines.
	Problems []Problem
}

// Error prints one line per problem, "config: FILE:LINE: key: message".
func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "config: %s", e.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		if p.Key != "" {
			fmt.Fprintf(&b, ": %s", p.Key)
		}
		fmt.Fprintf(&b, ": %s", p.Msg)
	}
	return b.String()
}

// Unwrap returns [ErrInvalid].
func (e *Error) Unwrap() error { return ErrInvalid }
