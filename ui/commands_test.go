package ui

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseInput(t *testing.T) {
	tests := []struct {
		in   string
		want any
		err  error
	}{
		{"hello", SubmitMsg{Text: "hello"}, nil},
		{"  ", nil, nil},
		{"", nil, nil},
		{"/add ratchat:xyz", CommandMsg{Name: "add", Arg: "ratchat:xyz"}, nil},
		{"/verify", CommandMsg{Name: "verify"}, nil},
		{"/timer  1h ", CommandMsg{Name: "timer", Arg: "1h"}, nil},
		{"/backup auto", CommandMsg{Name: "backup", Arg: "auto"}, nil},
		{"//not a command", SubmitMsg{Text: "/not a command"}, nil},
		{"/nope", nil, errUnknownCommand},
		{"a /add in the middle", SubmitMsg{Text: "a /add in the middle"}, nil},
	}
	for _, tt := range tests {
		got, err := parseInput(tt.in)
		if !errors.Is(err, tt.err) || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseInput(%q) = %#v, %v; want %#v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestComplete(t *testing.T) {
	tests := []struct {
		in         string
		want       string
		candidates []string
		ok         bool
	}{
		{"/a", "/a", []string{"/accept", "/add"}, true}, // two commands start with a
		{"/ad", "/add ", nil, true},
		{"/v", "/verify ", nil, true},
		{"/b", "/b", []string{"/backup", "/block"}, true},
		{"/ba", "/backup ", nil, true},
		{"/", "/", []string{"/accept", "/add", "/backup", "/block", "/export", "/file", "/group", "/help", "/invite", "/mute", "/quit",
			"/remove", "/rename", "/search", "/timer", "/unblock", "/verify"}, true},
		{"/mute a", "/mute always ", nil, true},
		{"/q", "/quit ", nil, true},
		{"/rem", "/remove ", nil, true},
		{"/remove k", "/remove keep ", nil, true},
		{"/x", "/x", nil, true},
		{"/add ", "/add ", nil, false}, // free-text arguments are not completed
		{"/timer 1", "/timer 1", nil, false},
		{"/backup a", "/backup auto ", nil, true}, // choices are
		{"/backup re", "/backup restore ", nil, true},
		{"/backup ", "/backup ", []string{"/backup auto", "/backup export", "/backup restore"}, true},
		{"/backup x", "/backup x", nil, true},
		{"/backup auto ", "/backup auto ", nil, false}, // one argument only
		{"hello", "hello", nil, false},
		{"/gr", "/group ", nil, true},
		{"/group p", "/group promote ", nil, true},
		{"/group re", "/group re", []string{"/group remove", "/group rename"}, true},
		{"/group create ", "/group create ", nil, false}, // its name and members are free text
	}
	for _, tt := range tests {
		got, cands, ok := complete(tt.in)
		if got != tt.want || !reflect.DeepEqual(cands, tt.candidates) || ok != tt.ok {
			t.Errorf("complete(%q) = %q, %v, %v; want %q, %v, %v", tt.in, got, cands, ok, tt.want, tt.candidates, tt.ok)
		}
	}
}

func TestHistory(t *testing.T) {
	var h history
	h.push("one")
	h.push("two")
	h.push("two") // repeated lines are kept once
	steps := []struct {
		op      string // "prev" or "next"
		current string
		want    string
		ok      bool
	}{
		{"next", "draft", "", false}, // not browsing yet
		{"prev", "draft", "two", true},
		{"prev", "two", "one", true},
		{"prev", "one", "", false}, // the oldest
		{"next", "", "two", true},
		{"next", "", "draft", true}, // back to what was typed
		{"next", "", "", false},
	}
	for i, s := range steps {
		var got string
		var ok bool
		if s.op == "prev" {
			got, ok = h.prev(s.current)
		} else {
			got, ok = h.next()
		}
		if got != s.want || ok != s.ok {
			t.Fatalf("step %d %s: got %q, %v; want %q, %v", i, s.op, got, ok, s.want, s.ok)
		}
	}
}
