package chat

import (
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestTokenText: a drawn token parses back to the hash of its text; a
// changed, cut, padded or re-encoded token does not parse.
func TestTokenText(t *testing.T) {
	text, err := newTokenText(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(text) != TokenLen || !strings.HasPrefix(text, TokenPrefix) {
		t.Fatalf("token %q: want %d characters starting %s", text, TokenLen, TokenPrefix)
	}
	if _, err := ParseToken(text); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", text[:len(text)-1], text + "A", "rcx_" + text[4:], text[:10] + "+" + text[11:],
		text[:len(text)-1] + "=", strings.ToUpper(text[:4]) + text[4:]} {
		if _, err := ParseToken(bad); !errors.Is(err, ErrBadToken) {
			t.Errorf("ParseToken(%q) = %v, want ErrBadToken", bad, err)
		}
	}
	// The last character carries 2 unused bits, which must be zero: one
	// token has one text.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(alphabet) {
		_, err := ParseToken(text[:len(text)-1] + alphabet[i:i+1])
		if (i&3 == 0) != (err == nil) {
			t.Errorf("last character %q: %v", alphabet[i], err)
		}
	}
}

// FuzzParseToken: ParseToken never panics, accepts only texts of the
// token form, and the hash differs for different texts.
func FuzzParseToken(f *testing.F) {
	text, _ := newTokenText(rand.Reader)
	f.Add(text)
	f.Add("rct_")
	f.Add("rct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseToken(s)
		if err != nil {
			if !errors.Is(err, ErrBadToken) {
				t.Fatalf("error %v does not wrap ErrBadToken", err)
			}
			return
		}
		if len(s) != TokenLen || !strings.HasPrefix(s, TokenPrefix) {
			t.Fatalf("%q parsed", s)
		}
		if h2, _ := ParseToken(s); h2 != h {
			t.Fatal("the hash is not a function of the text")
		}
	})
}

// TestRouteRules: rules parse in lower case and bounded; SkillOf takes the
// first matching rule, by whole words.
func TestRouteRules(t *testing.T) {
	var rules []RouteRule
	for _, s := range []string{"billing=Invoice,refund,pay", "tech=crash,bug,error"} {
		r, err := ParseRouteRule(s)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	if !slices.Equal(rules[0].Words, []string{"invoice", "refund", "pay"}) {
		t.Errorf("words %v", rules[0].Words)
	}
	cases := []struct{ text, want string }{
		{"My INVOICE is wrong", "billing"},
		{"the app crashed", ""}, // "crashed" is not "crash"
		{"a bug, and a refund please", "billing"},
		{"bug!", "tech"},
		{"hello", ""},
		{"", ""},
	}
	for _, c := range cases {
		if got := SkillOf(rules, c.text); got != c.want {
			t.Errorf("SkillOf(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	for _, bad := range []string{"", "billing", "=a", "billing=", "billing=a,,b", "bil ling=a", "x=a b",
		strings.Repeat("s", MaxRouteWord+1) + "=a", "s=" + strings.Repeat("w,", MaxRouteWords) + "w"} {
		if _, err := ParseRouteRule(bad); !errors.Is(err, ErrBadRoute) {
			t.Errorf("ParseRouteRule(%q) = %v, want ErrBadRoute", bad, err)
		}
	}
}

// FuzzParseRouteRule: a parsed rule is within bounds, in lower case, and
// reads back from its own text.
func FuzzParseRouteRule(f *testing.F) {
	f.Add("billing=invoice,refund")
	f.Add("a=b")
	f.Add("=,")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRouteRule(s)
		if err != nil {
			if !errors.Is(err, ErrBadRoute) {
				t.Fatalf("error %v does not wrap ErrBadRoute", err)
			}
			return
		}
		if r.Skill == "" || len(r.Skill) > MaxRouteWord || len(r.Words) == 0 || len(r.Words) > MaxRouteWords {
			t.Fatalf("rule %+v out of bounds", r)
		}
		again, err := ParseRouteRule(r.Skill + "=" + strings.Join(r.Words, ","))
		if err != nil || again.Skill != r.Skill || !slices.Equal(again.Words, r.Words) {
			t.Fatalf("rule %+v does not read back: %+v, %v", r, again, err)
		}
		_ = SkillOf([]RouteRule{r}, s)
	})
}
